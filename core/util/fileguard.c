#include "fileguard.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* A process holds a handful of stores at most (the trainer's, an evaluation's, the
 * interface's); past this many distinct files the guard stops protecting new ones rather
 * than refusing to open them. */
#define MAX_HELD 64

typedef struct {
    unsigned long long dev, ino;
    int count;
} Held;

static Held held[MAX_HELD];
static pthread_mutex_t held_mu = PTHREAD_MUTEX_INITIALIZER;

int fileguard_hold(const char *path, unsigned long long *dev, unsigned long long *ino) {
    struct stat st;
    if (stat(path, &st) != 0) return -1;
    *dev = (unsigned long long)st.st_dev;
    *ino = (unsigned long long)st.st_ino;
    pthread_mutex_lock(&held_mu);
    Held *free_slot = NULL;
    for (int i = 0; i < MAX_HELD; i++) {
        if (held[i].count > 0 && held[i].dev == *dev && held[i].ino == *ino) {
            held[i].count++;
            pthread_mutex_unlock(&held_mu);
            return 0;
        }
        if (held[i].count == 0 && !free_slot) free_slot = &held[i];
    }
    if (free_slot) *free_slot = (Held){*dev, *ino, 1};
    pthread_mutex_unlock(&held_mu);
    return 0;
}

void fileguard_release(unsigned long long dev, unsigned long long ino) {
    pthread_mutex_lock(&held_mu);
    for (int i = 0; i < MAX_HELD; i++)
        if (held[i].count > 0 && held[i].dev == dev && held[i].ino == ino) {
            held[i].count--;
            break;
        }
    pthread_mutex_unlock(&held_mu);
}

static int is_held(const struct stat *st) {
    int found = 0;
    pthread_mutex_lock(&held_mu);
    for (int i = 0; i < MAX_HELD && !found; i++)
        found = held[i].count > 0 && held[i].dev == (unsigned long long)st->st_dev &&
                held[i].ino == (unsigned long long)st->st_ino;
    pthread_mutex_unlock(&held_mu);
    return found;
}

int fileguard_check_read(const char *path, char *err, size_t cap) {
    struct stat st;
    if (stat(path, &st) != 0 || !is_held(&st)) return 0;
    if (err && cap)
        snprintf(err, cap,
                 "%s: is the run database this program has open, not a file it can "
                 "read as data or config",
                 path);
    return -1;
}

/* Whether the regular file at path starts with SQLite's header; only called on files this
 * process does not hold, so opening and closing it cancels no lock of ours. */
static int is_sqlite_file(const char *path) {
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) return 0;
    char head[16];
    ssize_t n;
    do n = read(fd, head, sizeof head);
    while (n < 0 && errno == EINTR);
    close(fd);
    return n == (ssize_t)sizeof head && memcmp(head, "SQLite format 3", 16) == 0;
}

int fileguard_check_write(const char *path, char *err, size_t cap) {
    struct stat st;
    if (stat(path, &st) != 0) return 0;
    if (is_held(&st) || (S_ISREG(st.st_mode) && is_sqlite_file(path))) {
        if (err && cap)
            snprintf(err, cap, "%s: is an SQLite database (a run store?); not overwritten", path);
        return -1;
    }
    return 0;
}
