/* test-random.c: random sequences of every operation, against the model
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Maps (with offsets and names), unmaps, protects, protect_withs,
 * remaps, loads of maps text, clears, and the bookkeeping calls (splits,
 * joins and set_offsets), over a small space and near the
 * top of the address space, through four backends (one without a move
 * method), with backend calls failing at random, merging turned on and
 * off and the limit on areas moved around; in one run, every backend
 * call, update function and notification also tries to change the set. The harness checks every call
 * against the model; lookups and queries are checked now and then.
 */

#include "ms-test-harness.h"

#define GRAIN 0x100
#define SPACE 0x8000

static const char * const names[] = { NULL, "/lib/a.so", "[heap]", "/dev/shm/b (deleted)" };

/* A random address: mostly in the small space, now and then near the
 * top of the address space. */
static guint64
random_address (GRand *rand)
{
  guint64 addr = (guint64) g_rand_int_range (rand, 0, SPACE / GRAIN) * GRAIN;

  if (g_rand_int_range (rand, 0, 20) == 0)
    addr += G_MAXUINT64 - SPACE - GRAIN + 1;
  return addr;
}

static guint64
random_size (GRand *rand)
{
  /* Now and then empty, or past the end of the address space. */
  switch (g_rand_int_range (rand, 0, 40))
    {
    case 0:
      return 0;
    case 1:
      return G_MAXUINT64;
    default:
      return (guint64) g_rand_int_range (rand, 1, 24) * GRAIN;
    }
}

static void
run (guint32  seed,
     guint    n_steps,
     gboolean reenter)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (seed);
  MsTestHarness *h = ms_test_harness_new (4, 1u << 3);
  guint counts[10] = { 0 }, outcomes[10] = { 0 }, most = 0;

  /* Every backend call, update function and notification tries to
   * change the set, and is refused. */
  ms_test_harness_set_reenter (h, reenter);

  for (guint step = 0; step < n_steps; step++)
    {
      g_autofree char *context = g_strdup_printf ("seed %u, step %u", seed, step);
      guint64 start = random_address (rand), size = random_size (rand);
      guint backend = g_rand_int_range (rand, 0, 4);
      int kind = g_rand_int_range (rand, 0, 100);
      int result = MS_MODEL_OK;

      ms_test_harness_set_context (h, context);
      if (g_rand_int_range (rand, 0, 8) == 0)
        ms_test_harness_fail_call (h, g_rand_int_range (rand, 1, 4));
      if (g_rand_int_range (rand, 0, 6) == 0)
        ms_test_harness_hold (h, random_address (rand));

      if (g_rand_int_range (rand, 0, 10) == 0)
        {
          /* A join is tried where areas meet, or anywhere. */
          switch (g_rand_int_range (rand, 0, 3))
            {
            case 0:
              {
                guint64 at = start + g_rand_int_range (rand, 0, GRAIN);

                /* Half the time, mended at once: a join that works. */
                result = ms_test_harness_split (h, at);
                if (result == MS_MODEL_OK && g_rand_boolean (rand))
                  result = ms_test_harness_join (h, at);
              }
              break;
            case 1:
              {
                MsMemoryArea *area = ms_memory_set_find (ms_test_harness_get_set (h), start);

                result = ms_test_harness_join (h, area != NULL && g_rand_boolean (rand)
                                                    ? ms_memory_area_get_end (area) : start);
              }
              break;
            default:
              result = ms_test_harness_set_offsets (h, start, size, g_rand_boolean (rand)
                                                                     ? start
                                                                     : (guint64) g_rand_int_range (rand, 0, 64) * GRAIN);
              break;
            }
          counts[9]++;
        }
      else if (kind < 30)
        {
          /* Offsets: anonymous (its start), continuing a neighbour's, or any. */
          guint64 offset = g_rand_boolean (rand) ? start : (guint64) g_rand_int_range (rand, 0, 64) * GRAIN;

          if (g_rand_int_range (rand, 0, 30) == 0)
            offset = G_MAXUINT64 - GRAIN;
          result = ms_test_harness_map (h, start, size, g_rand_int_range (rand, 0, 4), backend,
                                        offset, names[g_rand_int_range (rand, 0, G_N_ELEMENTS (names))],
                                        g_rand_boolean (rand));
          counts[0]++;
        }
      else if (kind < 45)
        result = ms_test_harness_unmap (h, start, size), counts[1]++;
      else if (kind < 58)
        result = ms_test_harness_protect (h, start, size, g_rand_int_range (rand, 0, 4)), counts[2]++;
      else if (kind < 68)
        result = ms_test_harness_protect_with (h, start, size, g_rand_int_range (rand, 0, MS_MODEL_N_UPDATES),
                                               g_rand_int_range (rand, 0, 8)), counts[3]++;
      else if (kind < 82)
        {
          guint64 new_start = g_rand_boolean (rand) ? start : random_address (rand);

          result = ms_test_harness_remap (h, start, size, new_start, random_size (rand));
          counts[4]++;
        }
      else if (kind < 88)
        {
          MsModelArea areas[3];
          guint n = g_rand_int_range (rand, 1, 4);

          for (guint i = 0; i < n; i++)
            {
              guint64 s = random_address (rand);
              guint64 z = (guint64) g_rand_int_range (rand, 1, 8) * GRAIN;

              z = MIN (z, G_MAXUINT64 - s);
              areas[i] = (MsModelArea) { s, s + z, g_rand_int_range (rand, 0, 4), 0,
                                         g_rand_boolean (rand) ? s : 0,
                                         names[g_rand_int_range (rand, 0, G_N_ELEMENTS (names))] };
              if (z == 0)
                areas[i] = (MsModelArea) { 0, GRAIN, 1, 0, 0, NULL };
            }
          result = ms_test_harness_load (h, areas, n, backend);
          counts[5]++;
        }
      else if (kind < 90)
        result = ms_test_harness_clear (h), counts[6]++;
      else if (kind < 95)
        {
          ms_test_harness_set_merge (h, g_rand_boolean (rand));
          counts[7]++;
        }
      else
        {
          guint n = ms_memory_set_get_n_areas (ms_test_harness_get_set (h));

          ms_test_harness_set_limit (h, g_rand_int_range (rand, 0, 3) == 0 ? G_MAXUINT
                                                                         : n + g_rand_int_range (rand, -2, 3));
          counts[8]++;
        }

      outcomes[result + 1]++;
      most = MAX (most, ms_memory_set_get_n_areas (ms_test_harness_get_set (h)));
      if (step % 100 == 0)
        ms_test_harness_check (h);
    }

  ms_test_harness_check (h);
  g_test_message ("seed %u: %u maps, %u unmaps, %u protects, %u protect_withs, %u remaps, "
                  "%u loads, %u clears, %u merge switches, %u limits, %u bookkeeping calls; outcomes ok %u, "
                  "invalid %u, exists %u, bad state %u, too many %u, not mapped %u, incompatible %u; "
                  "up to %u areas",
                  seed, counts[0], counts[1], counts[2], counts[3], counts[4], counts[5], counts[6],
                  counts[7], counts[8], counts[9], outcomes[0], outcomes[1 + MS_MAPPING_ERROR_INVALID_PARAM],
                  outcomes[1 + MS_MAPPING_ERROR_ALREADY_EXISTS], outcomes[1 + MS_MAPPING_ERROR_BAD_STATE],
                  outcomes[1 + MS_MAPPING_ERROR_TOO_MANY_AREAS], outcomes[1 + MS_MAPPING_ERROR_NOT_MAPPED],
                  outcomes[1 + MS_MAPPING_ERROR_INCOMPATIBLE], most);

  /* Every outcome happened. */
  for (guint i = 0; i < G_N_ELEMENTS (outcomes); i++)
    if (i == 0 || i == 1 + MS_MAPPING_ERROR_INVALID_PARAM || i == 1 + MS_MAPPING_ERROR_ALREADY_EXISTS ||
        i == 1 + MS_MAPPING_ERROR_BAD_STATE || i == 1 + MS_MAPPING_ERROR_TOO_MANY_AREAS ||
        i == 1 + MS_MAPPING_ERROR_NOT_MAPPED || i == 1 + MS_MAPPING_ERROR_INCOMPATIBLE)
      g_assert_cmpuint (outcomes[i], >, 0);
  g_assert_cmpuint (most, >=, 20);
  if (reenter)
    g_assert_cmpuint (ms_test_harness_get_n_reentries (h), >, n_steps / 2);

  ms_test_harness_free (h);
}

static void
test_random (void)
{
  guint n_steps = g_test_slow () ? 20000 : 3000;

  run (0x5eed, n_steps, FALSE);
  run (20261201, n_steps, TRUE);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/random/every-operation", test_random);

  return g_test_run ();
}
