#include "args.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/* The options every command takes, before or after its name. */
enum { G_DB, G_HELP, G_VERSION, G_COUNT };
static const ArgFlag global_flags[] = {
    [G_DB] = {"--db", NULL, "F", 0,
              "the run database (default $EXPOSURE_DB, else runs/exposure.db)"},
    [G_HELP] = {"--help", "-h", NULL, 0, "the command's help (or the program's)"},
    [G_VERSION] = {"--version", NULL, NULL, 0, "the version"},
    {0},
};

/* A flag of the command (table == flags) or a global one (table == global_flags). */
typedef struct {
    const ArgFlag *table;
    int index;
} Found;

static int count_flags(const ArgFlag *flags) {
    int n = 0;
    while (flags && flags[n].name) n++;
    return n;
}

/* The flag word names: "--x" or "--x=value" (*inline_value set) for a flag of either table. */
static int find_in(const ArgFlag *table, const char *word, Found *f, const char **inline_value) {
    for (int i = 0; table && table[i].name; i++) {
        const char *names[2] = {table[i].name, table[i].alias};
        for (int k = 0; k < 2; k++) {
            size_t len = names[k] ? strlen(names[k]) : 0;
            if (!len || strncmp(word, names[k], len) != 0) continue;
            if (word[len] != '\0' && word[len] != '=') continue;
            *f = (Found){table, i};
            *inline_value = word[len] == '=' ? word + len + 1 : NULL;
            return 1;
        }
    }
    return 0;
}

static int find_flag(const Args *a, const char *word, Found *f, const char **inline_value) {
    return find_in(a->flags, word, f, inline_value) || find_in(global_flags, word, f, inline_value);
}

/* A word that looks like a flag: "-x", "--x"; "-" alone is a positional (standard output). */
static int looks_like_flag(const char *word) { return word[0] == '-' && word[1] != '\0'; }

/* The closest flag name to an unknown flag word (its part before any "="). */
static const char *closest_flag(const Args *a, const char *word) {
    char bare[128];
    snprintf(bare, sizeof bare, "%.*s", (int)strcspn(word, "="), word);
    const char *names[128];
    int n = 0;
    const ArgFlag *tables[2] = {a->flags, global_flags};
    for (int t = 0; t < 2; t++)
        for (int i = 0; tables[t] && tables[t][i].name && n < 126; i++) {
            names[n++] = tables[t][i].name;
            if (tables[t][i].alias) names[n++] = tables[t][i].alias;
        }
    return args_closest(bare, names, n);
}

/* The first problem is kept and printed at the end, unless --help makes it moot. */
static void problem(char *first, size_t cap, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void problem(char *first, size_t cap, const char *fmt, ...) {
    if (first[0]) return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(first, cap, fmt, ap);
    va_end(ap);
}

static void use_global(Args *a, int index, const char *value) {
    if (index == G_DB) a->db = value;
    else if (index == G_HELP) a->help = 1;
    else a->version = 1;
}

/* Records one flag; the value is NULL for a switch. */
static void use_flag(Args *a, const Found *f, const char *value, char *first, size_t cap) {
    const ArgFlag *spec = &f->table[f->index];
    int is_global = f->table == global_flags;
    int given = is_global ? (f->index == G_DB && a->db) : args_count(a, f->index) > 0;
    if (given && spec->value && !spec->repeatable) {
        problem(first, cap, "%s given twice", spec->name);
        return;
    }
    if (is_global) use_global(a, f->index, value);
    else a->uses[a->n_uses++] = (ArgUse){f->index, value};
}

int args_parse(Args *a, const char *command, const ArgFlag *flags, int argc, char **argv) {
    *a = (Args){.command = command, .flags = flags};
    size_t slots = argc > 0 ? (size_t)argc : 1;
    a->uses = malloc(slots * sizeof *a->uses);
    a->positional = malloc(slots * sizeof *a->positional);
    if (!a->uses || !a->positional) {
        fprintf(stderr, "exposure %s: out of memory\n", command);
        return EXIT_RUNTIME;
    }
    char first[512] = "";
    int only_positional = 0;
    for (int i = 0; i < argc; i++) {
        const char *word = argv[i], *value;
        Found f;
        if (only_positional || !looks_like_flag(word)) {
            a->positional[a->n_positional++] = argv[i];
            continue;
        }
        if (strcmp(word, "--") == 0) {
            only_positional = 1;
            continue;
        }
        if (!find_flag(a, word, &f, &value)) {
            const char *near = closest_flag(a, word);
            if (near)
                problem(first, sizeof first, "unknown option '%s' (did you mean %s?)", word, near);
            else problem(first, sizeof first, "unknown option '%s'", word);
            continue;
        }
        const ArgFlag *spec = &f.table[f.index];
        if (!spec->value && value) {
            problem(first, sizeof first, "%s takes no value", spec->name);
            continue;
        }
        /* The next word is the value, unless it is one of the flags: `--run --jsonl` lacks a
         * run id rather than naming run "--jsonl" (`--name=--jsonl` can say so). */
        Found next;
        const char *ignored;
        if (spec->value && !value) {
            if (i + 1 >= argc ||
                (looks_like_flag(argv[i + 1]) && find_flag(a, argv[i + 1], &next, &ignored))) {
                problem(first, sizeof first, "%s needs a value (%s %s)", spec->name, spec->name,
                        spec->value);
                continue;
            }
            value = argv[++i];
        }
        use_flag(a, &f, value, first, sizeof first);
    }
    if (a->help || !first[0]) return 0;
    return cli_usage_error(*command ? command : "", "%s", first);
}

void args_free(Args *a) {
    free(a->uses);
    free(a->positional);
    a->uses = NULL;
    a->positional = NULL;
    a->n_uses = a->n_positional = 0;
}

int args_count(const Args *a, int flag) {
    int n = 0;
    for (int i = 0; i < a->n_uses; i++) n += a->uses[i].flag == flag;
    return n;
}

const char *args_nth(const Args *a, int flag, int nth) {
    for (int i = 0; i < a->n_uses; i++)
        if (a->uses[i].flag == flag && nth-- == 0) return a->uses[i].value;
    return NULL;
}

const char *args_value(const Args *a, int flag) { return args_nth(a, flag, 0); }

int args_allow_only(const Args *a, unsigned long allowed, const char *what) {
    for (int i = 0; i < a->n_uses; i++)
        if (!(allowed >> a->uses[i].flag & 1))
            return cli_usage_error(a->command, "%s does not take %s", what,
                                   a->flags[a->uses[i].flag].name);
    return 0;
}

int args_max_positional(const Args *a, int max) {
    if (a->n_positional <= max) return 0;
    return cli_usage_error(a->command, "unexpected argument '%s'", a->positional[max]);
}

/* "-o, --output F" */
static void flag_words(const ArgFlag *f, char *out, size_t cap) {
    if (f->alias && strlen(f->alias) < strlen(f->name))
        snprintf(out, cap, "%s, %s%s%s", f->alias, f->name, f->value ? " " : "",
                 f->value ? f->value : "");
    else
        snprintf(out, cap, "%s%s%s%s%s", f->name, f->alias ? ", " : "", f->alias ? f->alias : "",
                 f->value ? " " : "", f->value ? f->value : "");
}

/* The width of the flags' column in every help, so that the global options read the same in
 * each; longer words get a line of their own. */
enum { HELP_COLUMN = 19 };

static void print_table(FILE *out, const ArgFlag *flags, int width) {
    for (int i = 0; flags[i].name; i++) {
        char words[128];
        flag_words(&flags[i], words, sizeof words);
        if ((int)strlen(words) > width) fprintf(out, "  %s\n  %-*s  ", words, width, "");
        else fprintf(out, "  %-*s  ", width, words);
        fprintf(out, "%s%s\n", flags[i].help, flags[i].repeatable ? " (repeatable)" : "");
    }
}

void args_print_flags(FILE *out, const ArgFlag *flags) {
    if (count_flags(flags) > 0) {
        fputs("options:\n", out);
        print_table(out, flags, HELP_COLUMN);
        fputc('\n', out);
    }
    args_print_global_options(out);
}

void args_print_global_options(FILE *out) {
    fputs("global options (before or after the command; --db F or --db=F):\n", out);
    print_table(out, global_flags, HELP_COLUMN);
}

/* Edit distance, for suggestions; words longer than the buffer are never close. */
static int distance(const char *a, const char *b) {
    enum { MAX = 64 };
    size_t n = strlen(a), m = strlen(b);
    if (n >= MAX || m >= MAX) return MAX;
    int row[MAX + 1];
    for (size_t j = 0; j <= m; j++) row[j] = (int)j;
    for (size_t i = 1; i <= n; i++) {
        int diag = row[0];
        row[0] = (int)i;
        for (size_t j = 1; j <= m; j++) {
            int up = row[j], best = diag + (a[i - 1] != b[j - 1]);
            if (up + 1 < best) best = up + 1;
            if (row[j - 1] + 1 < best) best = row[j - 1] + 1;
            diag = up;
            row[j] = best;
        }
    }
    return row[m];
}

const char *args_closest(const char *word, const char *const *names, int n) {
    const char *best = NULL;
    int best_d = 0;
    for (int i = 0; i < n; i++) {
        int d = distance(word, names[i]);
        if (!best || d < best_d) best = names[i], best_d = d;
    }
    /* Close: a slip of a key or two, or one word a prefix of the other ("--step", "--steps"). */
    size_t len = strlen(word);
    if (best && len >= 4 && best_d <= 2) return best;
    for (int i = 0; i < n; i++)
        if (len >= 3 && strncmp(names[i], word, len) == 0) return names[i];
    return NULL;
}
