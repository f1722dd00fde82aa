/* digest: summarization in document/summary layout. A short news item reports one main
 * event, a detail about it, and one or two unrelated sentences drawn from a separate pool;
 * the summary is a one-line headline in the present tense that joins the event with its
 * detail. The headline depends only on which event and which detail the document states, so
 * it is determined by the document, and it never repeats a document sentence word for word. */
#include <string.h>

#include "task_gen.h"

static const char *const days[] = {"Monday", "Tuesday",  "Wednesday", "Thursday",
                                   "Friday", "Saturday", "Sunday"};

/* A kind of event: how the document states it and its detail ({T} is the thing it is
 * about, {n} the detail's number, drawn from that detail's range), and how the headline
 * says it. Detail i goes with headline ending i. */
typedef struct {
    const char *const *things;
    int n_things;
    const char *mains[2];
    const char *details[2];
    int lo[2], hi[2];
    const char *headline;
    const char *endings[2];
} EventKind;

static const char *const facilities[] = {"library", "bridge", "market hall", "bathhouse",
                                         "school",  "clinic", "museum",      "theatre"};
static const char *const contests[] = {"pie contest", "river swim",     "chess cup",
                                       "kite race",   "rowing race",    "spelling bee",
                                       "cheese fair", "ploughing match"};
static const char *const relics[] = {"sword", "bell",   "anchor", "helmet",
                                     "chest", "statue", "cannon", "lantern"};
static const char *const shops[] = {"bookshop", "tea room", "cobbler",     "toy shop",
                                    "bakery",   "hat shop", "fish market", "print shop"};
static const char *const promises[] = {"a new bridge",     "cheaper bread",   "longer market days",
                                       "a town orchestra", "cleaner streets", "free ferry rides"};
static const char *const buildings[] = {"church roof", "mill",         "lighthouse",
                                        "school",      "harbour wall", "market hall"};
static const char *const ships[] = {"ferry", "fishing boat", "barge", "sailing ship", "lifeboat"};
static const char *const herds[] = {"sheep", "goats", "cows", "ponies", "pigs"};

#define THINGS(list) list, COUNT_OF(list)

static const EventKind events[] = {
    {THINGS(facilities),
     {"The {Town} council opened a new {T}.", "On {Day} {Town} opened a new {T}."},
     {"The {T} cost {n} thousand crowns.", "The new {T} has room for {n} people."},
     {5, 40},
     {90, 600},
     "{Town} council opens new {T}",
     {", costing {n} thousand crowns", " with room for {n} people"}},
    {THINGS(contests),
     {"{Name} of {Town} won the {T}.", "On {Day}, {Name} from {Town} won the {T}."},
     {"{Name} beat {n} other entrants.", "The prize was {n} silver coins."},
     {5, 10},
     {80, 500},
     "{Name} of {Town} wins the {T}",
     {", beating {n} rivals", " and {n} silver coins"}},
    {THINGS(relics),
     {"Divers near {Town} found an old {T}.", "An old {T} was pulled from the sea at {Town}."},
     {"Experts say the {T} is {n} years old.", "The {T} weighs {n} kilograms."},
     {80, 3},
     {900, 400},
     "Old {T} found near {Town}",
     {", thought to be {n} years old", ", weighing {n} kilograms"}},
    {THINGS(shops),
     {"The {T} in {Town} closed for good.", "On {Day} the old {Town} {T} shut its doors."},
     {"The {T} had traded for {n} years.", "The owner, {Name}, is retiring."},
     {8, 0},
     {120, 0},
     "{Town} {T} closes",
     {" after {n} years", " as owner {Name} retires"}},
    {THINGS(promises),
     {"{Name} was elected mayor of {Town}.", "{Town} chose {Name} as mayor on {Day}."},
     {"{Name} won {n} votes.", "{Name} promised {T}."},
     {200, 0},
     {9000, 0},
     "{Name} elected mayor of {Town}",
     {" with {n} votes", ", promising {T}"}},
    {THINGS(buildings),
     {"A storm damaged the {T} in {Town}.", "On {Day} strong winds hit the {Town} {T}."},
     {"Repairs to the {T} will take {n} weeks.", "Builders need {n} days to fix the {T}."},
     {2, 3},
     {30, 60},
     "Storm damages {Town} {T}",
     {"; repairs to take {n} weeks", "; fixing it will take {n} days"}},
    {THINGS(ships),
     {"{Town} shipwrights launched the {T} {Vessel}.",
      "The {Vessel}, a new {T}, was launched at {Town}."},
     {"The {Vessel} took {n} months to build.", "The {Vessel} can carry {n} passengers."},
     {4, 12},
     {36, 300},
     "{Town} launches {T} {Vessel}",
     {" after {n} months of work", " for {n} passengers"}},
    {THINGS(herds),
     {"{Name} saved a herd of {T} from a flood near {Town}.",
      "{Name} led {T} out of a flood near {Town}."},
     {"The herd numbered {n} {T}.", "The rescue took {n} hours."},
     {10, 2},
     {200, 30},
     "{Name} saves {T} from {Town} flood",
     {", all {n} of them", " in {n} hours"}},
};

static const char *const weathers[] = {"mild", "wet", "windy", "cold", "bright", "foggy"};
static const char *const colours[] = {"red", "blue", "green", "yellow", "white", "orange"};
static const char *const pets[] = {"Pip", "Nutmeg", "Biscuit", "Sorrel", "Moss", "Clover"};
static const char *const vessel_words[] = {"Swift", "Quiet", "Bold", "Lucky", "Merry", "Brave"};
static const char *const vessel_nouns[] = {"Heron", "Otter", "Comet", "Wren", "Badger", "Star"};

/* Sentences that report nothing: they share the vocabulary of the news ({Other} is another
 * town, {Someone} another person, {m} a number) but never an event's. */
static const char *const fillers[] = {
    "The weather in {Other} stayed {weather} all week.",
    "A cat called {Pet} was seen near the {Other} mill.",
    "Bread at the {Other} market cost {m} pennies.",
    "{Someone} painted a garden fence {colour}.",
    "The {Other} bus ran {m} minutes late.",
    "Children flew kites by the {Other} river.",
    "{Someone} bought {m} chairs for an inn.",
    "The {Other} choir sang on {Day2}.",
    "Fog closed the {Other} road for {m} hours.",
    "A {colour} balloon drifted over {Other}.",
    "{Someone} planted {m} trees in {Other}.",
    "The {Other} library lent {m} books.",
    "Geese landed on the {Other} pond.",
    "The price of apples fell by {m} pennies.",
};

enum { MAX_SENTENCES = 4, NAME_CAP = 48 };

static void set_cast(Rng *r, Slots *s) {
    char name[NAME_CAP], someone[NAME_CAP], town[NAME_CAP], other[NAME_CAP];
    invent_person(r, name, sizeof name);
    do invent_person(r, someone, sizeof someone);
    while (strcmp(someone, name) == 0);
    invent_town(r, town, sizeof town);
    do invent_town(r, other, sizeof other);
    while (strcmp(other, town) == 0);
    slot_set(s, "Name", name);
    slot_set(s, "Someone", someone);
    slot_set(s, "Town", town);
    slot_set(s, "Other", other);
    slot_set(s, "Day", PICK(r, days));
    slot_set(s, "Day2", PICK(r, days));
    slot_setf(s, "Vessel", "%s %s", PICK(r, vessel_words), PICK(r, vessel_nouns));
    slot_set(s, "weather", PICK(r, weathers));
    slot_set(s, "colour", PICK(r, colours));
    slot_set(s, "Pet", PICK(r, pets));
    slot_int(s, "m", rand_int(r, 2, 60));
}

typedef struct {
    StrBuf document, summary;
} DigestItem;

/* The main event comes before its detail; each of the one or two fillers goes before the
 * event, between the two, or after the detail. */
static void draw_item(Rng *r, DigestItem *item) {
    Slots s = {0};
    set_cast(r, &s);
    const EventKind *ev = &PICK(r, events);
    slot_set(&s, "T", ev->things[rng_below(r, (unsigned)ev->n_things)]);
    int detail = (int)rng_below(r, 2);
    slot_int(&s, "n", rand_int(r, ev->lo[detail], ev->hi[detail]));
    const char *main_sentence = ev->mains[rng_below(r, 2)];
    int n_fillers = rng_below(r, 8) == 0 ? 2 : 1, filler[2], gap[2];
    filler[0] = (int)rng_below(r, COUNT_OF(fillers));
    do filler[1] = (int)rng_below(r, COUNT_OF(fillers));
    while (filler[1] == filler[0]);
    gap[0] = (int)rng_below(r, 3);
    gap[1] = (int)rng_below(r, 3);

    const char *order[MAX_SENTENCES];
    int n = 0;
    for (int g = 0; g < 3; g++) {
        if (g == 1) order[n++] = main_sentence;
        if (g == 2) order[n++] = ev->details[detail];
        for (int i = 0; i < n_fillers; i++)
            if (gap[i] == g) order[n++] = fillers[filler[i]];
    }

    sb_clear(&item->document);
    sb_clear(&item->summary);
    for (int i = 0; i < n; i++) {
        if (i > 0) sb_append(&item->document, " ");
        fill(&item->document, order[i], &s);
    }
    fill(&item->summary, ev->headline, &s);
    fill(&item->summary, ev->endings[detail], &s);
    sb_append(&item->summary, ".");
}

static size_t sequence_tokens(const DigestItem *item) {
    return strlen("Document: \nSummary:") + item->document.len + item->summary.len + 3;
}

int gen_digest_record(Rng *r, StrBuf *out) {
    DigestItem item;
    sb_init(&item.document);
    sb_init(&item.summary);
    do draw_item(r, &item);
    while (!item.document.failed && !item.summary.failed &&
           sequence_tokens(&item) > TASK_MAX_TOKENS);
    int failed = item.document.failed || item.summary.failed;
    if (!failed) {
        json_begin(out);
        json_string_field(out, "document", item.document.data);
        json_string_field(out, "summary", item.summary.data);
        json_end(out);
    }
    sb_free(&item.document);
    sb_free(&item.summary);
    return failed || out->failed ? -1 : 0;
}
