/* The run database must never be opened beside SQLite by the process that holds it: POSIX
 * locks belong to the process, and closing any descriptor of the file (a dataset loader that
 * was handed the database's path, say) drops every lock its SQLite connections hold. Another
 * process could then take itself for the database's last user and delete the write-ahead log
 * under us. Nor may a command write over a database. The run store registers every database
 * it opens; anything that opens a user-named file asks here first. */
#ifndef EXPOSURE_FILEGUARD_H
#define EXPOSURE_FILEGUARD_H

#include <stddef.h>

/* The run store: the file at path is (no longer) held open by a connection of this process.
 * Holds are counted; thread-safe. hold returns -1 when path cannot be identified (stat). */
int fileguard_hold(const char *path, unsigned long long *dev, unsigned long long *ino);
void fileguard_release(unsigned long long dev, unsigned long long ino);

/* Before reading path: -1 with "PATH: ..." in err when it is a database this process holds
 * open, else 0 (a missing path is the reader's own error to report). */
int fileguard_check_read(const char *path, char *err, size_t cap);

/* Before creating or replacing path: also -1 when an existing file there is an SQLite
 * database (of this process or any other), which would be destroyed. */
int fileguard_check_write(const char *path, char *err, size_t cap);

#endif
