#include "assets.h"

#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Found once per process: the binary does not move while it runs. */
static char exe_assets[PATH_MAX];
static pthread_once_t exe_assets_once = PTHREAD_ONCE_INIT;

static int is_directory(const char *path) {
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static void find_exe_assets(void) {
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n <= 0) return;
    exe[n] = '\0';
    char *slash = strrchr(exe, '/');
    if (!slash) return;
    *slash = '\0';
    char candidate[PATH_MAX + 16];
    snprintf(candidate, sizeof candidate, "%s/../assets", exe);
    if (!realpath(candidate, exe_assets) || !is_directory(exe_assets)) exe_assets[0] = '\0';
}

const char *assets_dir(void) {
    const char *env = getenv("EXPOSURE_ASSETS");
    if (env && *env) return env;
    if (pthread_once(&exe_assets_once, find_exe_assets) == 0 && exe_assets[0]) return exe_assets;
    return "assets";
}
