/* Training on several processes under mpirun (docs/distributed.md): the same loss curve on one
 * rank and on two, for every method; a stop on rank 0 stops both; a rank that dies makes the
 * other give up within the timeout, and the run resumes on another number of ranks.
 *
 * These run the plain binary (the sanitizers and MPI do not mix) when it was built with MPI
 * (make passes EXPOSURE_MPI=1) and mpirun is installed; otherwise they are skipped. Two
 * ranks share the machine's two cores (--oversubscribe), each with one thread. */
#include <criterion/criterion.h>
#include <dirent.h>
#include <math.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "run.h"
#include "scratch.h"
#include "sql.h"

static char dir[] = "/tmp/exposure-mpi-XXXXXX";
static char db[300], mpirun[512];

/* The relative tolerance of the loss curves of one and two ranks (see docs/distributed.md). */
#define LOSS_RTOL 1e-4

static void setup(void) {
    scratch_create(dir, db, sizeof db, "runs.db");
    /* mpirun refuses root unless told twice; the tests run as root in CI. Only this test's
     * process and its children see these. */
    setenv("OMPI_ALLOW_RUN_AS_ROOT", "1", 1);
    setenv("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1", 1);
    setenv("OPENBLAS_NUM_THREADS", "1", 1);
    setenv("EXPOSURE_MPI_TIMEOUT", "10", 1);
}

static void teardown(void) { scratch_remove(dir); }

TestSuite(mpi, .init = setup, .fini = teardown, .timeout = 240);

/* mpirun's path when it is installed and the plain binary has MPI; else skips the test. */
static void require_mpi(void) {
    const char *built = getenv("EXPOSURE_MPI");
    if (!built || strcmp(built, "1") != 0)
        cr_skip_test("the build has no MPI (make MPI=1 with Open MPI installed: sh scripts/deps.sh "
                     "--mpi); multi-process tests skipped");
    const char *path = getenv("PATH");
    char list[4096];
    snprintf(list, sizeof list, "%s", path ? path : "/usr/bin:/bin");
    for (char *save = NULL, *d = strtok_r(list, ":", &save); d; d = strtok_r(NULL, ":", &save)) {
        snprintf(mpirun, sizeof mpirun, "%s/mpirun", d);
        if (access(mpirun, X_OK) == 0) return;
    }
    cr_skip_test("mpirun is not installed (sh scripts/deps.sh --mpi); multi-process tests skipped");
}

/* A tiny config for method m (with its self-generation settings) into dir/NAME.json. */
static const char *write_config(const char *name, const char *method, const char *selfgen,
                                int steps, int checkpoint_every) {
    static char path[400];
    char text[1024];
    snprintf(path, sizeof path, "%s/%s.json", dir, name);
    int n = snprintf(text, sizeof text,
                     "{\"model\":{\"layers\":1,\"dim\":32,\"heads\":2},"
                     "\"train\":{\"batch\":8,\"steps\":%d,\"eval_every\":20,\"eval_samples\":8,"
                     "\"threads\":1,\"warmup\":5,\"checkpoint_every\":%d},"
                     "\"decode\":{\"max_new_tokens\":24},"
                     "\"method\":{\"name\":\"%s\","
                     "\"schedule\":{\"kind\":\"constant\",\"value\":0.5},\"selfgen\":%s}}",
                     steps, checkpoint_every, method, selfgen);
    write_file(path, text, (size_t)n);
    return path;
}

/* exposure ARGS... on np ranks, waiting for the end. */
static RunResult run_ranks(int np, const char *const *args) {
    const char *argv[64] = {"--oversubscribe", "-np", np == 1 ? "1" : "2", exposure_plain_bin()};
    int n = 4;
    for (int i = 0; args[i] && n < 63; i++) argv[n++] = args[i];
    argv[n] = NULL;
    RunLimits lim = {.bin = mpirun};
    return run_exposure_limited(argv, &lim);
}

static void train_ranks(int np, const char *config) {
    RunResult r =
        run_ranks(np, (const char *[]){"train", "--db", db, "--quiet", "--config", config, NULL});
    cr_assert_eq(r.status, 0, "%d rank(s): %s", np, r.err);
    run_free(&r);
}

/* A metric of run `run` by step, from the store. */
static int series(int run, const char *key, double *out, int cap) {
    sqlite3 *h;
    sqlite3_stmt *st;
    char sql[200];
    cr_assert_eq(sqlite3_open_v2(db, &h, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    snprintf(sql, sizeof sql, "SELECT value FROM metrics WHERE run=%d AND key='%s' ORDER BY step",
             run, key);
    cr_assert_eq(sqlite3_prepare_v2(h, sql, -1, &st, NULL), SQLITE_OK);
    int n = 0;
    while (sqlite3_step(st) == SQLITE_ROW && n < cap) out[n++] = sqlite3_column_double(st, 0);
    sqlite3_finalize(st);
    sqlite3_close(h);
    return n;
}

static double rel_diff(double a, double b) {
    double scale = fabs(a) > 1.0 ? fabs(a) : 1.0;
    return fabs(a - b) / scale;
}

/* Runs a and b have the same curve of key within LOSS_RTOL; returns the largest difference. */
static double same_curve(int a, int b, const char *key, int expect) {
    double x[512], y[512], worst = 0;
    cr_assert_eq(series(a, key, x, 512), expect, "run %d: %s", a, key);
    cr_assert_eq(series(b, key, y, 512), expect, "run %d: %s", b, key);
    for (int i = 0; i < expect; i++) {
        double d = rel_diff(x[i], y[i]);
        cr_assert_leq(d, LOSS_RTOL, "%s point %d: %.9g on run %d, %.9g on run %d", key, i + 1, x[i],
                      a, y[i], b);
        if (d > worst) worst = d;
    }
    return worst;
}

static void one_rank_and_two_agree(const char *method, const char *selfgen) {
    require_mpi();
    const char *config = write_config(method, method, selfgen, 40, 0);
    train_ranks(1, config);
    train_ranks(2, config);
    double loss = same_curve(1, 2, "loss", 40), val = same_curve(1, 2, "val/loss", 2);
    same_curve(1, 2, "grad_norm", 40);
    /* The largest differences, for docs/distributed.md. */
    cr_log_info("%s: largest relative difference of 1 and 2 ranks: loss %.3g, val/loss %.3g",
                method, loss, val);
    /* Both ranks' samples reach the store, once each; the run records its ranks. */
    char text[64];
    cr_assert_eq(sql_double(db, "SELECT count(*) FROM samples WHERE run=2"), 16);
    cr_assert_eq(sql_double(db, "SELECT count(DISTINCT idx) FROM samples WHERE run=2"), 8);
    cr_assert_str_eq(
        sql_text(db, "SELECT detail FROM events WHERE run=2 AND kind='ranks'", text, sizeof text),
        "{\"ranks\":2}");
    cr_assert_str_eq(sql_text(db, "SELECT status FROM runs WHERE id=2", text, sizeof text),
                     "completed");
}

Test(mpi, baseline_on_two_ranks_follows_one) { one_rank_and_two_agree("baseline", "{}"); }

/* Self-generated tokens refreshed every epoch: each rank computes half and they are gathered. */
Test(mpi, bash_on_two_ranks_follows_one) {
    one_rank_and_two_agree("bash", "{\"refresh\":\"epoch\"}");
}

/* Free-running generations for each rank's own rows of every batch. */
Test(mpi, rac_on_two_ranks_follows_one) {
    one_rank_and_two_agree("rac", "{\"source\":\"free_run\",\"refresh\":\"batch\"}");
}

/* A warm start on two ranks: rank 0 reads the parent's checkpoint and every rank trains from
 * its weights, refreshing the self-generated tokens on them at step 0. */
Test(mpi, a_warm_start_on_two_ranks_follows_one) {
    require_mpi();
    const char *config = write_config("warm", "bash", "{\"refresh\":\"epoch\"}", 20, 0);
    train_ranks(1, config);
    for (int np = 1; np <= 2; np++) {
        RunResult r = run_ranks(np, (const char *[]){"train", "--db", db, "--quiet", "--config",
                                                     config, "--from", "1", NULL});
        cr_assert_eq(r.status, 0, "%d rank(s): %s", np, r.err);
        run_free(&r);
    }
    same_curve(2, 3, "loss", 20);
    same_curve(2, 3, "val/loss", 2); /* at step 0, the parent's weights, and at 20 */
    double parent[2], one[2], two[2];
    cr_assert_eq(series(1, "val/loss", parent, 2), 1);
    cr_assert_eq(series(2, "val/loss", one, 2), 2);
    cr_assert_eq(series(3, "val/loss", two, 2), 2);
    cr_assert_eq(one[0], parent[0]);
    cr_assert_leq(rel_diff(two[0], parent[0]), LOSS_RTOL);
    cr_assert_eq(sql_double(db, "SELECT count(*) FROM runs WHERE parent=1 AND parent_step=20"), 2);
}

Test(mpi, only_train_runs_on_several_ranks) {
    require_mpi();
    RunResult r = run_ranks(2, (const char *[]){"runs", "list", "--db", db, NULL});
    cr_assert_eq(r.status, 2);
    cr_assert_not_null(strstr(r.err, "only exposure train runs on several"), "%s", r.err);
    run_free(&r);
}

/* Nothing is stored unless every rank is ready: a batch too small to share, and a rank that
 * cannot read its config (MPMD: rank 1 is given a file that does not exist), end every rank
 * with exit 2 before the database is even created. */
Test(mpi, a_rank_that_cannot_start_stops_every_rank_before_anything_is_stored) {
    require_mpi();
    const char *config = write_config("small", "baseline", "{}", 10, 0);
    RunResult r = run_ranks(2, (const char *[]){"train", "--db", db, "--config", config, "--set",
                                                "train.batch=1", NULL});
    cr_assert_eq(r.status, 2);
    cr_assert_not_null(strstr(r.err, "train.batch: 1 rows cannot be shared by 2 processes"), "%s",
                       r.err);
    cr_assert_eq(access(db, F_OK), -1, "no database was created");
    run_free(&r);

    char missing[400];
    snprintf(missing, sizeof missing, "%s/missing.json", dir);
    const char *argv[] = {"--oversubscribe",
                          "-np",
                          "1",
                          exposure_plain_bin(),
                          "train",
                          "--db",
                          db,
                          "--config",
                          config,
                          ":",
                          "-np",
                          "1",
                          exposure_plain_bin(),
                          "train",
                          "--db",
                          db,
                          "--config",
                          missing,
                          NULL};
    RunLimits lim = {.bin = mpirun};
    r = run_exposure_limited(argv, &lim);
    cr_assert_eq(r.status, 2);
    cr_assert_not_null(strstr(r.err, "exposure train: rank 1: "), "%s", r.err);
    cr_assert_not_null(strstr(r.err, "1 other rank(s) could not read the config"), "%s", r.err);
    cr_assert_eq(access(db, F_OK), -1, "no database was created");
    run_free(&r);
}

/* ---- a job in the background ---- */

typedef struct {
    pid_t pid;
    Child out; /* stdout, read line by line */
} Job;

static void start_job(Job *j, int np, const char *const *args, const char *err_path) {
    int fd[2];
    cr_assert_eq(pipe(fd), 0);
    memset(j, 0, sizeof *j);
    j->pid = fork();
    cr_assert_neq(j->pid, -1);
    if (j->pid == 0) {
        dup2(fd[1], 1);
        close(fd[0]);
        close(fd[1]);
        if (!freopen(err_path, "w", stderr)) _exit(126);
        const char *argv[64] = {mpirun, "--oversubscribe",
                                /* A rank that dies does not take the others with it: they
                                 * must notice on their own, within the timeout. */
                                "--mca", "orte_abort_on_non_zero_status", "0", "-np",
                                np == 1 ? "1" : "2", exposure_plain_bin()};
        int n = 8;
        for (int i = 0; args[i] && n < 63; i++) argv[n++] = args[i];
        argv[n] = NULL;
        execv(argv[0], (char *const *)argv);
        _exit(127);
    }
    close(fd[1]);
    j->out.pid = j->pid;
    j->out.out_fd = fd[0];
}

/* Reads stdout until a step event of at least `step`. */
static void wait_for_step(Job *j, int step) {
    char line[4096];
    for (;;) {
        cr_assert(child_read_line(&j->out, line, sizeof line, 60000), "no step %d", step);
        int s;
        if (sscanf(line, "{\"event\":\"step\",\"step\":%d", &s) == 1 && s >= step) return;
    }
}

static int wait_job(Job *j) {
    int status;
    cr_assert_eq(waitpid(j->pid, &status, 0), j->pid);
    close(j->out.out_fd);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* The pid of rank `rank` among mpirun's children, found by the variable mpirun gives it. */
static pid_t rank_pid(pid_t launcher, int rank) {
    char want[64];
    int wlen = snprintf(want, sizeof want, "OMPI_COMM_WORLD_RANK=%d", rank);
    DIR *proc = opendir("/proc");
    cr_assert_not_null(proc);
    for (struct dirent *d; (d = readdir(proc));) {
        pid_t p = (pid_t)atoi(d->d_name);
        if (p <= 0) continue;
        char path[64];
        snprintf(path, sizeof path, "/proc/%d/stat", (int)p);
        FILE *f = fopen(path, "r");
        if (!f) continue;
        int ppid = 0;
        int ok = fscanf(f, "%*d (%*[^)]) %*c %d", &ppid) == 1;
        fclose(f);
        if (!ok || ppid != launcher) continue;
        snprintf(path, sizeof path, "/proc/%d/environ", (int)p);
        /* /proc files report no size: read until the end. */
        static char env[1 << 16];
        size_t len = 0;
        if ((f = fopen(path, "r"))) {
            len = fread(env, 1, sizeof env - 1, f);
            fclose(f);
        }
        env[len] = '\0';
        int found = 0;
        for (size_t at = 0; at < len; at += strlen(env + at) + 1)
            if (strncmp(env + at, want, (size_t)wlen) == 0 && env[at + wlen] == '\0') found = 1;
        if (found) {
            closedir(proc);
            return p;
        }
    }
    closedir(proc);
    cr_assert_fail("no rank %d under mpirun %d", rank, (int)launcher);
    return -1;
}

static double seconds(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Kills rank `victim` of a 2-rank run after step 50 and checks that the other rank gives up
 * within the timeout (10 s) with its message, and that the run, interrupted, resumes on
 * `resume_np` ranks from its last checkpoint and completes with every step. */
static void kill_rank_then_resume(int victim, int resume_np) {
    require_mpi();
    const char *config = write_config("fault", "bash", "{\"refresh\":\"batch\"}", 300, 20);
    char err_path[400];
    snprintf(err_path, sizeof err_path, "%s/stderr.txt", dir);
    Job j;
    start_job(&j, 2, (const char *[]){"train", "--db", db, "--jsonl", "--config", config, NULL},
              err_path);
    wait_for_step(&j, 50);
    cr_assert_eq(kill(rank_pid(j.pid, victim), SIGKILL), 0);
    double t0 = seconds();
    int status = wait_job(&j);
    double took = seconds() - t0;
    cr_log_info("rank %d gave up %.1f s after rank %d was killed (timeout 10 s)", 1 - victim, took,
                victim);
    cr_assert_neq(status, 0);
    cr_assert_lt(took, 40, "the job ended %.1f s after a rank died", took);
    size_t len;
    char *err = file_bytes(err_path, &len), want[100];
    snprintf(want, sizeof want,
             "exposure: rank %d: no word from the other ranks for 10 s; "
             "giving up",
             1 - victim);
    cr_assert_not_null(err);
    cr_assert_not_null(strstr(err, want), "%s", err);
    free(err);

    /* Rank 0 marks its run interrupted before it gives up; a dead rank 0 leaves it running,
     * and the next command that opens the store marks it. */
    RunResult r = run_exposure((const char *[]){"runs", "list", "--db", db, NULL}, NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    run_free(&r);
    char text[64];
    cr_assert_str_eq(sql_text(db, "SELECT status FROM runs WHERE id=1", text, sizeof text),
                     "interrupted");
    cr_assert_geq(sql_double(db, "SELECT max(step) FROM checkpoints WHERE run=1"), 40);
    r = run_ranks(resume_np,
                  (const char *[]){"train", "--db", db, "--quiet", "--resume", "1", NULL});
    cr_assert_eq(r.status, 0, "%s", r.err);
    run_free(&r);
    cr_assert_str_eq(sql_text(db, "SELECT status FROM runs WHERE id=1", text, sizeof text),
                     "completed");
    cr_assert_eq(sql_double(db, "SELECT count(*) FROM metrics WHERE run=1 AND key='loss'"), 300);
    cr_assert_str_eq(sql_text(db, "PRAGMA integrity_check", text, sizeof text), "ok");
}

Test(mpi, a_dead_rank_1_ends_the_job_within_the_timeout_and_the_run_resumes_on_one) {
    kill_rank_then_resume(1, 1);
}

Test(mpi, a_dead_rank_0_ends_the_job_within_the_timeout_and_the_run_resumes_on_two) {
    kill_rank_then_resume(0, 2);
}

/* SIGINT to rank 0 stops both ranks after a step, with a checkpoint; the run resumes on one
 * rank and ends where an uninterrupted run on one rank ends. */
Test(mpi, sigint_on_rank_0_stops_every_rank_and_the_run_resumes_on_another_count) {
    require_mpi();
    const char *config = write_config("stop", "rac", "{\"refresh\":\"epoch\"}", 120, 0);
    train_ranks(1, config); /* run 1: the reference */
    char err_path[400];
    snprintf(err_path, sizeof err_path, "%s/stderr.txt", dir);
    Job j;
    start_job(&j, 2, (const char *[]){"train", "--db", db, "--jsonl", "--config", config, NULL},
              err_path);
    wait_for_step(&j, 30);
    cr_assert_eq(kill(rank_pid(j.pid, 0), SIGINT), 0);
    cr_assert_eq(wait_job(&j), 0, "both ranks exit 0 after a stop");
    char text[64];
    cr_assert_str_eq(sql_text(db, "SELECT status FROM runs WHERE id=2", text, sizeof text),
                     "stopped");
    int stopped_at = (int)sql_double(db, "SELECT max(step) FROM checkpoints WHERE run=2");
    cr_assert(stopped_at >= 30 && stopped_at < 120, "stopped at %d", stopped_at);
    RunResult r =
        run_ranks(1, (const char *[]){"train", "--db", db, "--quiet", "--resume", "2", NULL});
    cr_assert_eq(r.status, 0, "%s", r.err);
    run_free(&r);
    same_curve(1, 2, "loss", 120);
}
