/* test-scenarios.c: the scenarios of scenarios.txt, against the model,
 * and again with each backend call failing in turn
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "ms-test-harness.h"

static void
test_scenario (gconstpointer data)
{
  MsTestScenario *scenario = (MsTestScenario *) data;
  guint n_calls = ms_test_scenario_run (scenario, 0);

  /* Every call that the scenario makes fails once. */
  for (guint fail_at = 1; fail_at <= n_calls; fail_at++)
    ms_test_scenario_run (scenario, fail_at);
  g_test_message ("%u failure points", n_calls);
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GPtrArray) scenarios = NULL;

  g_test_init (&argc, &argv, NULL);
  scenarios = ms_test_scenarios_load ();

  for (guint i = 0; i < scenarios->len; i++)
    {
      g_autofree char *path = g_strdup_printf ("/scenarios/%s",
                                               ms_test_scenario_get_name (scenarios->pdata[i]));

      g_test_add_data_func (path, scenarios->pdata[i], test_scenario);
    }

  return g_test_run ();
}
