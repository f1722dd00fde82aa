/* arith: multi-step word problems in GSM8K layout. A story starts with a quantity, changes it
 * step by step, and asks for the result; the answer works every step with a calculator
 * annotation, each step using the result of the one before, and ends with "#### N".
 * Numbers stay small (one-digit operands, intermediate results up to 60, answers up to 200)
 * so that a small model learns the arithmetic within minutes of CPU training; what remains
 * hard is carrying each result into the next step without a slip.
 * Each question sentence has exactly one answer line it maps to, so the worked answer is
 * determined by the question. */
#include <string.h>

#include "task_gen.h"

typedef struct {
    const char *name;
    int he;
} Person;

static const Person people[] = {
    {"Mia", 0},  {"Leo", 1},   {"Ava", 0},  {"Sam", 1},  {"Nora", 0}, {"Omar", 1}, {"Lena", 0},
    {"Ivan", 1}, {"Zoe", 0},   {"Raj", 1},  {"Tess", 0}, {"Hugo", 1}, {"Ines", 0}, {"Kofi", 1},
    {"Yuki", 0}, {"Pablo", 1}, {"Ada", 0},  {"Finn", 1}, {"Lila", 0}, {"Ben", 1},  {"Rosa", 0},
    {"Eli", 1},  {"Maya", 0},  {"Theo", 1}, {"Nina", 0}, {"Jude", 1}, {"Iris", 0}, {"Amir", 1},
    {"Cleo", 0}, {"Otto", 1},  {"June", 0}, {"Kai", 1},  {"Vera", 0}, {"Luca", 1}, {"Esme", 0},
    {"Noah", 1}, {"Ruth", 0},  {"Axel", 1}, {"Mira", 0}, {"Dev", 1},
};

/* What the story counts, how its owner gets more, and what they come in. */
typedef struct {
    const char *plural, *verb, *container;
} Thing;

static const Thing things[] = {
    {"apples", "picks", "baskets"}, {"eggs", "collects", "cartons"},
    {"cookies", "bakes", "trays"},  {"shells", "finds", "buckets"},
    {"stamps", "buys", "albums"},   {"marbles", "wins", "bags"},
    {"pencils", "buys", "boxes"},   {"beads", "buys", "jars"},
    {"muffins", "bakes", "trays"},  {"roses", "picks", "bunches"},
    {"coins", "finds", "purses"},   {"books", "buys", "crates"},
    {"stickers", "gets", "sheets"}, {"plums", "picks", "baskets"},
    {"candles", "makes", "boxes"},  {"rocks", "collects", "buckets"},
    {"buttons", "finds", "tins"},   {"pies", "bakes", "boxes"},
    {"cups", "buys", "sets"},       {"cards", "gets", "packs"},
    {"oranges", "picks", "crates"}, {"seeds", "plants", "rows"},
    {"fish", "catches", "nets"},    {"bricks", "stacks", "piles"},
};

/* One step: the sentence the question tells it with, and the answer line that works it. */
typedef struct {
    const char *question, *answer;
} Step;

static const char *const plain_starts[] = {
    "{N} has {a} {O}.",
    "{N} starts with {a} {O}.",
    "{N} owns {a} {O}.",
};

static const Step container_starts[] = {
    {"{N} has {b} {C} of {O} with {c} in each.", "{N} has {b} * {c} = <<{b}*{c}={r}>>{r} {O}."},
    {"{N} {V} {b} {C} of {c} {O}.", "That is {b} * {c} = <<{b}*{c}={r}>>{r} {O}."},
    {"Each of {N}'s {b} {C} holds {c} {O}.", "There are {b} * {c} = <<{b}*{c}={r}>>{r} {O}."},
};

static const Step adds[] = {
    {"{P} {V} {k} more.", "Then {a} + {k} = <<{a}+{k}={r}>>{r}."},
    {"{F} gives {obj} {k} more.", "With the gift, {a} + {k} = <<{a}+{k}={r}>>{r}."},
    {"Then {p} {V} {k}.", "Now {a} + {k} = <<{a}+{k}={r}>>{r}."},
};

static const Step subtracts[] = {
    {"{P} gives {k} to {F}.", "{P} keeps {a} - {k} = <<{a}-{k}={r}>>{r}."},
    {"{P} sells {k} of them.", "{a} - {k} = <<{a}-{k}={r}>>{r} are left."},
    {"{P} loses {k}.", "{a} - {k} = <<{a}-{k}={r}>>{r} remain."},
};

/* {times} is "doubles" or "triples". */
static const Step multiplies[] = {
    {"{P} {times} them.", "That is {a} * {k} = <<{a}*{k}={r}>>{r}."},
    {"The pile {times}.", "The pile has {a} * {k} = <<{a}*{k}={r}>>{r}."},
};

static const Step fractions[] = {
    {"{P} keeps {frac} of them.", "{Frac} of {a} is {a} / {k} = <<{a}/{k}={r}>>{r}."},
    {"{P} sells all but {frac}.", "{P} keeps {a} / {k} = <<{a}/{k}={r}>>{r}."},
};

static const char *const have_questions[] = {
    "How many {O} does {N} have now?",
    "How many does {p} have now?",
    "How many {O} are there now?",
};

static const Step shares[] = {
    {"{P} splits them among {k} friends. How many does each get?",
     "Each gets {a} / {k} = <<{a}/{k}={r}>>{r}."},
    {"{P} packs them into {k} equal {C}. How many go in each?",
     "Each holds {a} / {k} = <<{a}/{k}={r}>>{r}."},
};

static const Step prices[] = {
    {"{P} sells each for ${k}. How much does {p} get?",
     "{P} gets {a} * {k} = $<<{a}*{k}={r}>>{r}."},
    {"Each is worth ${k}. What is the total?", "The total is {a} * {k} = $<<{a}*{k}={r}>>{r}."},
};

typedef struct {
    Rng *r;
    Slots s;
    StrBuf question, answer;
    long value; /* the quantity so far: what the next step works on */
} Story;

static void add_sentence(Story *st, const char *tmpl) {
    if (st->question.len > 0) sb_append(&st->question, " ");
    fill(&st->question, tmpl, &st->s);
}

/* Tells one step with operand k, and moves the story to its result. */
static void take_step(Story *st, const Step *step, long k, long result) {
    slot_int(&st->s, "a", st->value);
    slot_int(&st->s, "k", k);
    slot_int(&st->s, "r", result);
    add_sentence(st, step->question);
    fill(&st->answer, step->answer, &st->s);
    sb_append(&st->answer, "\n");
    st->value = result;
}

static void cast(Story *st) {
    const Person *hero = &PICK(st->r, people), *friend;
    do friend = &PICK(st->r, people);
    while (friend == hero);
    const Thing *thing = &PICK(st->r, things);
    slot_set(&st->s, "N", hero->name);
    slot_set(&st->s, "P", hero->he ? "He" : "She");
    slot_set(&st->s, "p", hero->he ? "he" : "she");
    slot_set(&st->s, "obj", hero->he ? "him" : "her");
    slot_set(&st->s, "F", friend->name);
    slot_set(&st->s, "O", thing->plural);
    slot_set(&st->s, "V", thing->verb);
    slot_set(&st->s, "C", thing->container);
}

/* The opening: a plain count (no arithmetic) or containers to multiply (one step).
 * Returns the number of steps it took. */
static int open_story(Story *st, int with_containers) {
    if (!with_containers) {
        st->value = rand_int(st->r, 2, 20);
        slot_int(&st->s, "a", st->value);
        add_sentence(st, PICK(st->r, plain_starts));
        return 0;
    }
    long b = rand_int(st->r, 2, 5), c = rand_int(st->r, 2, 6);
    slot_int(&st->s, "b", b);
    slot_int(&st->s, "c", c);
    slot_int(&st->s, "r", b * c);
    const Step *step = &PICK(st->r, container_starts);
    add_sentence(st, step->question);
    fill(&st->answer, step->answer, &st->s);
    sb_append(&st->answer, "\n");
    st->value = b * c;
    return 1;
}

/* A divisor of value in [lo, hi], chosen uniformly among those there are; 0 when none. */
static long pick_divisor(Rng *r, long value, int lo, int hi) {
    long found[16];
    int n = 0;
    for (int d = lo; d <= hi && n < COUNT_OF(found); d++)
        if (value % d == 0 && value / d >= 2) found[n++] = d;
    return n ? found[rng_below(r, (unsigned)n)] : 0;
}

/* One middle step; returns -1, having told nothing, when the drawn step does not fit the
 * current value. */
static int middle_step(Story *st) {
    long a = st->value;
    switch (rng_below(st->r, 4)) {
    case 0: {
        long k = rand_int(st->r, 2, 9);
        take_step(st, &PICK(st->r, adds), k, a + k);
        return 0;
    }
    case 1: {
        if (a < 3) return -1;
        long k = rand_int(st->r, 1, a - 2 < 9 ? (int)a - 2 : 9);
        take_step(st, &PICK(st->r, subtracts), k, a - k);
        return 0;
    }
    case 2: {
        static const char *const times[] = {"doubles", "triples"};
        long k = rand_int(st->r, 2, 3);
        if (a * k > 60) return -1;
        slot_set(&st->s, "times", times[k - 2]);
        take_step(st, &PICK(st->r, multiplies), k, a * k);
        return 0;
    }
    default: {
        static const char *const fraction_words[][2] = {
            {"half", "Half"}, {"a third", "A third"}, {"a quarter", "A quarter"}};
        long k = pick_divisor(st->r, a, 2, 4);
        if (!k) return -1;
        slot_set(&st->s, "frac", fraction_words[k - 2][0]);
        slot_set(&st->s, "Frac", fraction_words[k - 2][1]);
        take_step(st, &PICK(st->r, fractions), k, a / k);
        return 0;
    }
    }
}

enum { END_HAVE, END_SHARE, END_PRICE };

static int final_step(Story *st, int ending) {
    if (ending == END_HAVE) {
        add_sentence(st, PICK(st->r, have_questions));
        return 0;
    }
    if (ending == END_SHARE) {
        long k = pick_divisor(st->r, st->value, 2, 9);
        if (!k) return -1;
        take_step(st, &PICK(st->r, shares), k, st->value / k);
        return 0;
    }
    long k = rand_int(st->r, 2, 5);
    if (st->value * k > 200) return -1;
    take_step(st, &PICK(st->r, prices), k, st->value * k);
    return 0;
}

/* Draws one problem of two or three steps; -1 when the drawn ending did not fit its value. */
static int tell(Story *st) {
    int steps = rand_int(st->r, 2, 3);
    int with_containers = rng_below(st->r, 3) == 0;
    int ending = (int)rng_below(st->r, 3);
    int middles = steps - with_containers - (ending != END_HAVE);
    cast(st);
    open_story(st, with_containers);
    for (int i = 0; i < middles; i++)
        while (middle_step(st) != 0) continue; /* an addition always fits, so this ends */
    if (final_step(st, ending) != 0) return -1;
    sb_printf(&st->answer, "#### %ld", st->value);
    return 0;
}

static size_t sequence_tokens(const Story *st) {
    return strlen("Question: \nAnswer:") + st->question.len + st->answer.len + 3;
}

int gen_arith_record(Rng *r, StrBuf *out) {
    Story st = {.r = r};
    sb_init(&st.question);
    sb_init(&st.answer);
    for (;;) {
        slots_clear(&st.s);
        sb_clear(&st.question);
        sb_clear(&st.answer);
        if (tell(&st) == 0 && sequence_tokens(&st) <= TASK_MAX_TOKENS) break;
        if (st.question.failed || st.answer.failed) break;
    }
    int failed = st.question.failed || st.answer.failed;
    if (!failed) {
        json_begin(out);
        json_string_field(out, "question", st.question.data);
        json_string_field(out, "answer", st.answer.data);
        json_end(out);
    }
    sb_free(&st.question);
    sb_free(&st.answer);
    return failed || out->failed ? -1 : 0;
}
