/* fuzz-replay.c: the fuzz checks without libFuzzer
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Replays every file of the committed corpus, then a few thousand
 * random inputs from a fixed seed, through the same decoder and checks
 * as the fuzzer. Files or directories given on the command line are
 * replayed instead of the corpus (to reproduce a fuzzer's finding).
 * MS_FUZZ_RANDOM_RUNS sets the number of random inputs (default 3000).
 */

#include <signal.h>
#include <unistd.h>

#include "fuzz-memory-set.h"

#define RANDOM_SEED 0x6d656d73u
#define DEFAULT_RANDOM_RUNS 3000

/* Said on an abort, so that a failure names its input. */
static char current_input[512] = "";

static void
on_abort (int signum)
{
  static const char prefix[] = "\n# fuzz-replay: the failing input is ";

  if (current_input[0] != '\0')
    {
      G_GNUC_UNUSED ssize_t n;

      n = write (STDERR_FILENO, prefix, sizeof prefix - 1);
      n = write (STDERR_FILENO, current_input, strlen (current_input));
      n = write (STDERR_FILENO, "\n", 1);
    }
  signal (signum, SIG_DFL);
  raise (signum);
}

static guint
replay_path (const char *path)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *contents = NULL;
  gsize length;

  if (g_file_test (path, G_FILE_TEST_IS_DIR))
    {
      g_autoptr(GDir) dir = g_dir_open (path, 0, &error);
      g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
      const char *name;
      guint n = 0;

      g_assert_no_error (error);
      while ((name = g_dir_read_name (dir)) != NULL)
        if (name[0] != '.')
          g_ptr_array_add (names, g_build_filename (path, name, NULL));
      g_ptr_array_sort (names, (GCompareFunc) g_strcmp0);
      for (guint i = 0; i < names->len; i++)
        n += replay_path (g_ptr_array_index (names, i));
      return n;
    }

  g_file_get_contents (path, &contents, &length, &error);
  g_assert_no_error (error);

  g_strlcpy (current_input, path, sizeof current_input);
  ms_fuzz_run_input ((const guint8 *) contents, length);
  current_input[0] = '\0';

  return 1;
}

static void
test_corpus (gconstpointer data)
{
  const char * const *paths = data;
  guint n = 0;

  for (guint i = 0; paths[i] != NULL; i++)
    n += replay_path (paths[i]);

  g_test_message ("%u inputs replayed", n);
  g_assert_cmpuint (n, >, 0);
}

static void
test_random (void)
{
  const char *env = g_getenv ("MS_FUZZ_RANDOM_RUNS");
  guint runs = env != NULL ? (guint) g_ascii_strtoull (env, NULL, 10) : DEFAULT_RANDOM_RUNS;
  g_autoptr(GByteArray) input = g_byte_array_new ();
  char slowest_input[sizeof current_input] = "";
  gint64 t, slowest = 0;

  for (guint i = 0; i < runs; i++)
    {
      g_autoptr(GRand) rand = g_rand_new_with_seed (RANDOM_SEED + i);
      guint length = g_rand_int_range (rand, 1, 768);

      g_byte_array_set_size (input, length);
      for (guint j = 0; j < length; j++)
        input->data[j] = g_rand_int (rand) & 0xff;

      g_snprintf (current_input, sizeof current_input,
                  "random input %u (seed %#x, %u bytes)", i, RANDOM_SEED + i, length);
      t = g_get_monotonic_time ();
      ms_fuzz_run_input (input->data, input->len);
      t = g_get_monotonic_time () - t;
      if (t > slowest)
        {
          slowest = t;
          g_strlcpy (slowest_input, current_input, sizeof slowest_input);
        }
    }
  g_test_message ("the slowest: %s, %.3f s", slowest_input, slowest / 1e6);
  current_input[0] = '\0';

  g_test_message ("%u random inputs replayed", runs);
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GStrvBuilder) paths = g_strv_builder_new ();
  g_auto(GStrv) corpus = NULL;
  const MsFuzzStats *stats;
  int status;

  g_test_init (&argc, &argv, NULL);
  ms_fuzz_init ();
  signal (SIGABRT, on_abort);
  signal (SIGTRAP, on_abort);

  for (int i = 1; i < argc; i++)
    g_strv_builder_add (paths, argv[i]);
  if (argc <= 1)
    {
      g_autofree char *dir = g_test_build_filename (G_TEST_DIST, "fuzz", "corpus", NULL);

      g_strv_builder_add (paths, dir);
    }
  corpus = g_strv_builder_end (paths);

  g_test_add_data_func ("/fuzz/corpus", corpus, test_corpus);
  if (argc <= 1)
    g_test_add_func ("/fuzz/random", test_random);

  status = g_test_run ();

  stats = ms_fuzz_get_stats ();
  {
    g_autoptr(GString) ops = g_string_new (NULL);

    for (guint op = 0; op < MS_FUZZ_N_OPS; op++)
      g_string_append_printf (ops, "%s%s %" G_GUINT64_FORMAT, op > 0 ? ", " : "",
                              ms_fuzz_op_name (op), stats->ops[op]);
    g_test_message ("%" G_GUINT64_FORMAT " inputs, %" G_GUINT64_FORMAT " operations checked "
                    "against the model: %s; maps texts loaded %" G_GUINT64_FORMAT ", refused %"
                    G_GUINT64_FORMAT "; backends disposed inside a change %" G_GUINT64_FORMAT,
                    stats->inputs, stats->operations, ops->str, stats->text_loaded,
                    stats->text_refused, stats->disposed);
  }
  return status;
}
