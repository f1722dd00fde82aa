/* exposure train: one run, headless. Progress on stderr when it is a terminal, events on
 * stdout with --jsonl; SIGINT/SIGTERM stop after the current step with a checkpoint. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "commands.h"
#include "evaltext.h"
#include "nn.h"
#include "jsonl.h"
#include "progress.h"
#include "train.h"

enum { F_CONFIG, F_SET, F_FROM, F_NAME, F_JSONL, F_QUIET, F_RESUME };
static const ArgFlag flags[] = {
    [F_CONFIG] = {"--config", NULL, "F", 0, "a JSON config; keys not in it keep their defaults"},
    [F_SET] = {"--set", NULL, "key=value", 1,
               "override one config key, e.g. --set method.name=bash"},
    [F_FROM] = {"--from", NULL, "ID[:STEP]", 0,
                "start from the weights of run ID's latest checkpoint (or the one at STEP) with "
                "a fresh optimizer: --set train.init_from=ID[:STEP]; the model's shape is the "
                "checkpoint's unless set"},
    [F_NAME] = {"--name", NULL, "N", 0, "a name for the run"},
    [F_JSONL] = {"--jsonl", NULL, NULL, 0,
                 "one JSON event per line on stdout (start, step, eval, done, ...)"},
    [F_QUIET] = {"--quiet", NULL, NULL, 0, "no progress line"},
    [F_RESUME] = {"--resume", NULL, "ID", 0,
                  "continue a stopped or interrupted run from its last checkpoint"},
    {0},
};

static void more_help(FILE *out) {
    fputs("Ctrl-C finishes the current step, writes a checkpoint and marks the run stopped.\n"
          "Under mpirun the processes share every batch; rank 0 prints and writes the run store\n"
          "(docs/distributed.md).\n"
          "Config keys, their defaults and how keys not set follow others: exposure config keys.\n",
          out);
}

static volatile sig_atomic_t stop_signal;

static void on_signal(int sig) { stop_signal = sig; }

typedef struct {
    const Args *args;
    const char *db, *name;
    int jsonl, quiet;
    long resume;
} TrainArgs;

static int parse_args(const Args *args, TrainArgs *a) {
    *a = (TrainArgs){.args = args,
                     .db = args->db,
                     .name = args_value(args, F_NAME),
                     .jsonl = args_count(args, F_JSONL) > 0,
                     .quiet = args_count(args, F_QUIET) > 0};
    if (args_max_positional(args, 0)) return EXIT_USAGE;
    const char *resume = args_value(args, F_RESUME);
    if (resume && cli_parse_long(resume, 1, INT64_MAX, &a->resume))
        return cli_usage_error("train", "--resume: '%s' is not a run id", resume);
    if (a->resume &&
        (args_count(args, F_CONFIG) || args_count(args, F_SET) || args_count(args, F_FROM)))
        return cli_usage_error("train", "--resume continues a run with its own config; "
                                        "--config, --set and --from cannot be combined with it");
    return 0;
}

/* Prints an event for a person on stderr (notes, evaluations, problems). */
static void print_human(const TrainerEvent *ev, Progress *p, int rac) {
    if (ev->kind == EV_NOTE) {
        progress_clear(p);
        fprintf(stderr, "exposure train: %s\n", ev->text);
    } else if (ev->kind == EV_EVAL) {
        progress_clear(p);
        const EvalSummary *e = &ev->ev;
        fprintf(stderr,
                "step %d  val loss %.4f  tf_acc %.3f  fr_acc %.3f  gap %.3f  em %.3f  f1 %.3f  "
                "rougeL %.3f  first_err %.1f",
                ev->step, e->loss, e->tf_acc, e->fr_acc, e->gap, e->em, e->f1, e->rouge_l,
                e->first_err);
        if (e->corrections > 0) fprintf(stderr, "  corrections %.2f", e->corrections);
        char more[512];
        eval_exposure_line(e, rac, more, sizeof more);
        fprintf(stderr, "  %s\n", more);
    }
}

static int finish(const TrainerEvent *done, const TrainerSnapshot *s, const TrainArgs *a) {
    char db_flag[600] = "";
    if (a->db) snprintf(db_flag, sizeof db_flag, " --db %s", a->db);
    if (!strcmp(done->status, "failed")) {
        fprintf(stderr, "exposure train: run %lld failed: %s\n", (long long)s->run_id, done->text);
        return EXIT_RUNTIME;
    }
    if (!strcmp(done->status, "stopped")) {
        fprintf(stderr,
                "exposure train: run %lld stopped at step %d of %d; resume with:\n"
                "    exposure train --resume %lld%s\n",
                (long long)s->run_id, s->step, s->steps, (long long)s->run_id, db_flag);
        return EXIT_OK;
    }
    if (!a->jsonl) {
        char took[32];
        clock_format_duration(s->elapsed, took, sizeof took);
        printf("run %lld completed: %d steps in %s", (long long)s->run_id, s->step, took);
        if (s->eval_step >= 0)
            printf(", val loss %.4f, em %.3f, f1 %.3f, fr_acc %.3f (tf_acc %.3f)", s->eval.loss,
                   s->eval.em, s->eval.f1, s->eval.fr_acc, s->eval.tf_acc);
        printf("\n");
    }
    return EXIT_OK;
}

/* The exit code of a rank other than 0: the same as rank 0's, since every rank ends with the
 * same status. */
static int finish_quietly(const TrainerEvent *done) {
    return strcmp(done->status, "failed") == 0 ? EXIT_RUNTIME : EXIT_OK;
}

static int watch(Trainer *tr, const TrainArgs *a) {
    Progress p;
    progress_init(&p, !a->quiet && isatty(STDERR_FILENO), "");
    int asked_stop = 0, rac = 0;
    TrainerSnapshot s;
    trainer_snapshot(tr, &s);
    rac = method_corrects(s.config.method.name);
    for (;;) {
        TrainerEvent ev;
        int got = trainer_wait_event(tr, &ev, 100);
        if (stop_signal && !asked_stop) {
            asked_stop = 1;
            trainer_stop(tr);
            progress_clear(&p);
            if (dist_rank() == 0)
                fprintf(stderr,
                        "exposure train: stopping after this step (a checkpoint follows)\n");
        }
        trainer_snapshot(tr, &s);
        if (!got) {
            progress_draw(&p, &s, 0);
            continue;
        }
        if (a->jsonl && jsonl_print(jsonl_trainer_event(&ev, s.run_id, rac))) {
            trainer_stop(tr); /* stdout is gone (a closed pipe): no one is listening */
            asked_stop = 1;
        }
        if (ev.dropped && dist_rank() == 0) {
            progress_clear(&p);
            fprintf(stderr, "exposure train: %ld events were dropped (the output fell behind)\n",
                    ev.dropped);
        }
        if (dist_rank() == 0 && (!a->quiet || ev.kind == EV_NOTE)) print_human(&ev, &p, rac);
        if (ev.kind == EV_DONE) {
            progress_clear(&p);
            return dist_rank() == 0 ? finish(&ev, &s, a) : finish_quietly(&ev);
        }
        progress_draw(&p, &s, 0);
    }
}

/* Every rank builds the config from the same arguments (rank 0's is the one trained); a
 * rank that cannot (a config file missing on its host) says why, and no rank goes on. */
static int build_config(Config *cfg, const TrainArgs *a) {
    char err[1024];
    /* Rank 0 reads a warm start's checkpoint; the other ranks train rank 0's config. */
    const char *db = dist_rank() == 0 ? cli_db_path(a->db) : NULL;
    const CliConfigFlags config_flags = {F_CONFIG, F_SET, F_FROM};
    int failed = cli_build_config(cfg, a->args, &config_flags, db, err, sizeof err) != 0;
    if (failed && dist_rank() == 0) fprintf(stderr, "exposure train: %s\n", err);
    else if (failed) fprintf(stderr, "exposure train: rank %d: %s\n", dist_rank(), err);
    int64_t any = failed;
    dist_allreduce_i64(&any, 1);
    if (any && !failed && dist_rank() == 0)
        fprintf(stderr, "exposure train: %lld other rank(s) could not read the config\n",
                (long long)any);
    return any ? EXIT_USAGE : 0;
}

static int run(const Args *args) {
    TrainArgs a;
    int rc = parse_args(args, &a);
    if (rc) return rc;
    /* Rank 0 speaks for the job; the others only report what is theirs alone. */
    if (dist_rank() != 0) a.quiet = 1, a.jsonl = 0;
    Config cfg;
    char err[1024];
    if (!a.resume && (rc = build_config(&cfg, &a))) return rc;
    TrainerOptions opt = {.db_path = cli_db_path(a.db), .name = a.name, .resume = a.resume};
    Trainer *tr;
    rc = trainer_start(&cfg, &opt, &tr, err, sizeof err);
    if (rc) {
        if (dist_rank() == 0) fprintf(stderr, "exposure train: %s\n", err);
        return rc == TRAINER_EINPUT ? EXIT_USAGE : EXIT_RUNTIME;
    }
    /* Handlers only set a flag; the loop above turns it into trainer_stop. */
    struct sigaction sa = {0}, old_int, old_term;
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, &old_int);
    sigaction(SIGTERM, &sa, &old_term);
    signal(SIGPIPE, SIG_IGN);
    rc = watch(tr, &a);
    trainer_free(tr);
    sigaction(SIGINT, &old_int, NULL);
    sigaction(SIGTERM, &old_term, NULL);
    return rc;
}

const Command command_train = {
    .name = "train",
    .summary = "train [--config F] [--set key=value]... [--from ID[:STEP]] [--name N] [--jsonl] "
               "[--quiet]",
    .usage = "exposure train [--config F] [--set key=value]... [--from ID[:STEP]] [--name N]\n"
             "                      [--jsonl] [--quiet]\n"
             "       exposure train --resume ID [--jsonl] [--quiet]",
    .about = "Trains one run and records it in the run store.\n",
    .flags = flags,
    .more_help = more_help,
    .run = run,
};
