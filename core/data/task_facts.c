/* facts: extractive question answering in SQuAD-like layout. The context states one fact
 * about each of two or three invented people; the question asks about one of them, and the
 * answer is the span of the context that states it (sometimes with a shorter span that also
 * counts). Distractors often state the same kind of fact about someone else, so the answer
 * depends on finding the right person. */
#include <string.h>

#include "task_gen.h"

static const char *const colours[] = {"red",   "blue",   "green",  "yellow", "grey", "white",
                                      "black", "orange", "purple", "brown",  "pink", "teal"};
static const char *const street_names[] = {"Marrow", "Tanner",  "Willow",  "Copper",
                                           "Gull",   "Bramble", "Lantern", "Mill",
                                           "Fennel", "Heron",   "Quarry",  "Saffron"};
static const char *const street_kinds[] = {"Lane", "Street", "Road", "Row", "Hill"};
static const char *const jobs[] = {
    "baker",      "potter",      "clockmaker", "glassblower", "weaver",     "beekeeper",
    "carpenter",  "map maker",   "tailor",     "lamplighter", "bookbinder", "shipwright",
    "stonemason", "cheesemaker", "rope maker", "blacksmith",  "gardener",   "ferry pilot"};
static const char *const animals[] = {"cat", "dog",    "goat",   "parrot", "horse", "tortoise",
                                      "owl", "rabbit", "ferret", "donkey", "hen",   "pony"};
static const char *const pet_names[] = {
    "Pip",    "Bramble", "Nutmeg", "Biscuit", "Sorrel",  "Tansy", "Moss",   "Clover",
    "Pebble", "Juniper", "Fig",    "Waffle",  "Thistle", "Ember", "Button", "Crumb"};
static const char *const hobbies[] = {
    "carving wooden birds",  "painting old lighthouses", "collecting river stones",
    "mending fishing nets",  "growing giant pumpkins",   "writing letters to strangers",
    "racing paper boats",    "knitting striped scarves", "building model windmills",
    "baking seed bread",     "tuning old clocks",        "pressing wild flowers",
    "drawing maps of caves", "training homing pigeons",  "sailing small dinghies",
    "playing chess by post"};
static const char *const instruments[] = {"flute", "fiddle", "harp",  "drum",      "lute",
                                          "horn",  "banjo",  "cello", "accordion", "trumpet"};
static const char *const band_words[] = {"Salt",   "Iron",   "Paper", "Velvet",
                                         "Copper", "Hollow", "Quiet", "Amber"};
static const char *const band_nouns[] = {"Crows", "Lanterns", "Foxes", "Kettles",
                                         "Pines", "Tides",    "Moths", "Bells"};
static const char *const rivers[] = {"Omel",   "Tarn", "Vesk", "Ilby",
                                     "Brenna", "Coll", "Dray", "Fenna"};
static const char *const dishes[] = {
    "baked pears",     "barley soup",  "fried trout", "plum dumplings", "onion tart",
    "roast chestnuts", "rye pancakes", "lentil stew", "apple fritters", "smoked eel"};
static const char *const dish_extras[] = {"honey",        "black pepper", "sour cream",
                                          "wild garlic",  "brown butter", "mustard seeds",
                                          "cream cheese", "pickled leeks"};
static const char *const vehicles[] = {"boat",  "cart", "bicycle", "wagon",
                                       "canoe", "sled", "barge",   "scooter"};
static const char *const vessel_words[] = {"Swift",  "Quiet",  "Bold",  "Lucky",
                                           "Silver", "Little", "Brave", "Merry"};
static const char *const vessel_nouns[] = {"Heron",  "Otter", "Comet", "Wren",
                                           "Badger", "Lark",  "Pike",  "Star"};

/* Sets {A}, the span a fact states, and {alt}, a shorter span that also counts ("" when
 * there is none). */
typedef void (*SpanDrawer)(Rng *r, Slots *s);

static void draw_home(Rng *r, Slots *s) {
    const char *street = PICK(r, street_names), *kind = PICK(r, street_kinds);
    slot_setf(s, "A", "a %s house on %s %s", PICK(r, colours), street, kind);
    slot_setf(s, "alt", "%s %s", street, kind);
}

static void draw_job(Rng *r, Slots *s) {
    char town[32];
    const char *job = PICK(r, jobs);
    invent_town(r, town, sizeof town);
    slot_setf(s, "A", "the %s of %s", job, town);
    slot_set(s, "alt", job);
}

static void draw_pet(Rng *r, Slots *s) {
    const char *colour = PICK(r, colours), *animal = PICK(r, animals), *name = PICK(r, pet_names);
    slot_setf(s, "A", "a %s %s named %s", colour, animal, name);
    slot_set(s, "alt", name);
}

static void draw_birth(Rng *r, Slots *s) {
    char town[32];
    invent_town(r, town, sizeof town);
    int year = rand_int(r, 1700, 1999);
    slot_setf(s, "A", "in %s in %d", town, year);
    slot_setf(s, "alt", "%s in %d", town, year);
}

static void draw_hobby(Rng *r, Slots *s) {
    slot_set(s, "A", PICK(r, hobbies));
    slot_set(s, "alt", "");
}

static void draw_music(Rng *r, Slots *s) {
    const char *instrument = PICK(r, instruments);
    const char *word = PICK(r, band_words), *noun = PICK(r, band_nouns);
    slot_setf(s, "A", "the %s in the %s %s band", instrument, word, noun);
    slot_setf(s, "alt", "the %s", instrument);
}

static void draw_vehicle(Rng *r, Slots *s) {
    const char *colour = PICK(r, colours), *vehicle = PICK(r, vehicles);
    const char *word = PICK(r, vessel_words), *noun = PICK(r, vessel_nouns);
    slot_setf(s, "A", "a %s %s named the %s %s", colour, vehicle, word, noun);
    slot_setf(s, "alt", "the %s %s", word, noun);
}

static void draw_walk(Rng *r, Slots *s) {
    int miles = rand_int(r, 2, 19);
    slot_setf(s, "A", "%d miles along the %s river", miles, PICK(r, rivers));
    slot_setf(s, "alt", "%d miles", miles);
}

static void draw_dish(Rng *r, Slots *s) {
    const char *dish = PICK(r, dishes), *extra = PICK(r, dish_extras);
    slot_setf(s, "A", "%s with %s", dish, extra);
    slot_set(s, "alt", dish);
}

/* A kind of fact: how the context states it ({X} the person, {A} the span) and how a
 * question asks for it. */
typedef struct {
    SpanDrawer draw;
    const char *statements[3];
    const char *questions[2];
} FactKind;

static const FactKind kinds[] = {
    {draw_home,
     {"{X} lives in {A}.", "{X} rents a room in {A}.", "The home of {X} is {A}."},
     {"Where does {X} live?", "What is the home of {X}?"}},
    {draw_job,
     {"{X} is {A}.", "{X} works as {A}.", "Everyone knows {X} as {A}."},
     {"What is the job of {X}?", "What does {X} work as?"}},
    {draw_pet,
     {"{X} keeps {A}.", "{X} looks after {A}.", "At home {X} has {A}."},
     {"What pet does {X} have?", "Which animal does {X} keep?"}},
    {draw_birth,
     {"{X} was born {A}.", "Records say {X} was born {A}.", "{X} was born {A}, they say."},
     {"When and where was {X} born?", "Where and when was {X} born?"}},
    {draw_hobby,
     {"{X} spends weekends {A}.", "In spare hours {X} enjoys {A}.", "The hobby of {X} is {A}."},
     {"What is the hobby of {X}?", "What does {X} do for fun?"}},
    {draw_music,
     {"{X} plays {A}.", "On Fridays {X} plays {A}.", "{X} has long played {A}."},
     {"What does {X} play?", "Which instrument does {X} play?"}},
    {draw_vehicle,
     {"{X} owns {A}.", "{X} travels in {A}.", "{X} got {A} last spring."},
     {"What vehicle does {X} have?", "Which vehicle belongs to {X}?"}},
    {draw_walk,
     {"{X} walks {A} to work.", "Each day {X} walks {A} to work.", "{X} walks {A} to work daily."},
     {"How far does {X} walk to work?", "What is the walk to work like for {X}?"}},
    {draw_dish,
     {"{X} loves {A}.", "The favourite dish of {X} is {A}.", "{X} cooks {A} every week."},
     {"What is the favourite dish of {X}?", "What dish does {X} love?"}},
};

enum { MAX_PEOPLE = 3, NAME_CAP = 48 };

typedef struct {
    StrBuf context, question;
    char answer[SLOT_TEXT], alt[SLOT_TEXT];
} QaItem;

static void draw_people(Rng *r, int n, char names[][NAME_CAP]) {
    for (int i = 0; i < n; i++) {
        int unique;
        do {
            invent_first_name(r, names[i], NAME_CAP);
            unique = 1;
            for (int j = 0; j < i; j++) unique &= strcmp(names[i], names[j]) != 0;
        } while (!unique);
    }
}

/* States one fact about each person; the asked person's fact becomes the question. */
static void draw_item(Rng *r, QaItem *item) {
    int n = rand_int(r, 2, MAX_PEOPLE);
    char names[MAX_PEOPLE][NAME_CAP];
    draw_people(r, n, names);
    int asked = (int)rng_below(r, (unsigned)n);
    int asked_kind = (int)rng_below(r, (unsigned)COUNT_OF(kinds));
    sb_clear(&item->context);
    sb_clear(&item->question);
    for (int i = 0; i < n; i++) {
        /* Half the other people get the asked kind of fact, so the name has to be matched. */
        int kind =
            i == asked || rng_below(r, 2) == 0 ? asked_kind : (int)rng_below(r, COUNT_OF(kinds));
        Slots s = {0};
        slot_set(&s, "X", names[i]);
        kinds[kind].draw(r, &s);
        if (i > 0) sb_append(&item->context, " ");
        fill(&item->context, PICK(r, kinds[kind].statements), &s);
        if (i == asked) {
            strcpy(item->answer, slot_get(&s, "A"));
            strcpy(item->alt, slot_get(&s, "alt"));
            fill(&item->question, PICK(r, kinds[kind].questions), &s);
        }
    }
}

static size_t sequence_tokens(const QaItem *item) {
    return strlen("Context: \nQuestion: \nAnswer:") + item->context.len + item->question.len +
           strlen(item->answer) + 3;
}

int gen_facts_record(Rng *r, StrBuf *out) {
    QaItem item;
    sb_init(&item.context);
    sb_init(&item.question);
    do draw_item(r, &item);
    while (!item.context.failed && !item.question.failed &&
           sequence_tokens(&item) > TASK_MAX_TOKENS);
    int failed = item.context.failed || item.question.failed;
    if (!failed) {
        const char *answers[] = {item.answer, item.alt};
        json_begin(out);
        json_string_field(out, "context", item.context.data);
        json_string_field(out, "question", item.question.data);
        json_list_field(out, "answers", answers, item.alt[0] ? 2 : 1);
        json_end(out);
    }
    sb_free(&item.context);
    sb_free(&item.question);
    return failed || out->failed ? -1 : 0;
}
