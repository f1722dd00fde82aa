/* exposure model: Hugging Face GPT-2 safetensors in and out of the run store (docs/models.md). */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "train.h"

enum { F_NAME, F_TOKENIZER, F_OUTPUT, F_BF16 };
static const ArgFlag flags[] = {
    [F_NAME] = {"--name", NULL, "N", 0, "import: the run's name (default import-FILE)"},
    [F_TOKENIZER] = {"--tokenizer", NULL, "T", 0,
                     "import: model.tokenizer (default: from vocab_size, gpt2 or byte)"},
    [F_OUTPUT] = {"-o", "--output", "F", 0, "export: the safetensors file to write"},
    [F_BF16] = {"--bf16", NULL, NULL, 0, "export: write the weights as bf16 (default fp32)"},
    {0},
};
enum {
    IMPORT_FLAGS = 1u << F_NAME | 1u << F_TOKENIZER,
    EXPORT_FLAGS = 1u << F_OUTPUT | 1u << F_BF16
};

static int exit_code(int rc) { return rc == HFMODEL_EINPUT ? EXIT_USAGE : EXIT_RUNTIME; }

static int model_import(const Args *a) {
    if (args_allow_only(a, IMPORT_FLAGS, "import") || args_max_positional(a, 2)) return EXIT_USAGE;
    if (a->n_positional < 2) return cli_usage_error("model", "import needs a file F.safetensors");
    HfImportOptions o = {.db_path = cli_db_path(a->db),
                         .file = a->positional[1],
                         .name = args_value(a, F_NAME),
                         .tokenizer = args_value(a, F_TOKENIZER)};
    HfImportResult r;
    char err[2048];
    int rc = hfmodel_import(&o, &r, err, sizeof err);
    if (rc) {
        fprintf(stderr, "exposure model import: %s\n", err);
        return exit_code(rc);
    }
    printf("run %lld: %d layer%s, dim %d, %d heads, context %d, tokenizer %s", (long long)r.run,
           r.layers, r.layers == 1 ? "" : "s", r.dim, r.heads, r.context, r.tokenizer);
    if (r.added)
        printf(" (%d rows added to the file's %d for exposure's specials)", r.added, r.file_rows);
    printf("\ncheckpoint %s\n", r.checkpoint);
    printf("fine-tune it with: exposure train --from %lld --set data.train=...\n",
           (long long)r.run);
    return EXIT_OK;
}

static int model_export(const Args *a) {
    if (args_allow_only(a, EXPORT_FLAGS, "export") || args_max_positional(a, 2)) return EXIT_USAGE;
    const char *out = args_value(a, F_OUTPUT);
    if (a->n_positional < 2) return cli_usage_error("model", "export needs a run ID[:STEP]");
    if (!out) return cli_usage_error("model", "export needs -o F.safetensors");
    if (cli_check_output("model", out)) return EXIT_USAGE;
    HfExportResult r;
    char err[2048];
    int rc = hfmodel_export(cli_db_path(a->db), a->positional[1], out, args_count(a, F_BF16) > 0,
                            &r, err, sizeof err);
    if (rc) {
        fprintf(stderr, "exposure model export: %s\n", err);
        return exit_code(rc);
    }
    if (r.run > 0) printf("run %lld at step %lld", (long long)r.run, (long long)r.step);
    else printf("checkpoint at step %lld", (long long)r.step);
    printf(" -> %s (%d vocabulary rows) and %s\n", out, r.vocab_rows, r.config_path);
    return EXIT_OK;
}

static int run(const Args *a) {
    if (a->n_positional < 1) return cli_usage_error("model", "import or export?");
    if (strcmp(a->positional[0], "import") == 0) return model_import(a);
    if (strcmp(a->positional[0], "export") == 0) return model_export(a);
    return cli_usage_error("model", "unknown action \"%s\" (import or export)", a->positional[0]);
}

static void more_help(FILE *out) {
    fputs("import reads F.safetensors (Hugging Face's GPT-2 names, fp32, bf16 or fp16) and the\n"
          "config.json beside it, and makes a run whose step-0 checkpoint holds the weights; its\n"
          "model keys and model.tokenizer are the file's. A file of GPT-2's 50,257 tokens gets\n"
          "rows for <sep>, <corr> and <pad>, each the mean of its rows. Fine-tune it with\n"
          "exposure train --from ID (any method), evaluate it with exposure eval --run ID.\n\n"
          "export writes the checkpoint ID (its latest), ID:STEP or a checkpoint file as\n"
          "F.safetensors and config.json beside it, every row of the padded vocabulary included,\n"
          "so that importing the file again gives the same weights bit for bit.\n",
          out);
}

const Command command_model = {
    .name = "model",
    .summary = "model import F.safetensors [--name N] | export ID[:STEP] -o F.safetensors",
    .usage = "exposure model import F.safetensors [--name N] [--tokenizer T]\n"
             "       exposure model export ID[:STEP] -o F.safetensors [--bf16]",
    .about = "  import  make a run from a Hugging Face GPT-2 (safetensors and config.json)\n"
             "  export  write a run's checkpoint as safetensors and config.json\n",
    .flags = flags,
    .more_help = more_help,
    .run = run,
};
