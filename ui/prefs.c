#include "prefs.h"

#include <cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util.h"

/* A preferences file larger than this is not ours. */
enum { PREFS_MAX_BYTES = 1 << 20 };

static void prefs_defaults(Prefs *p) {
    memset(p, 0, sizeof *p);
    snprintf(p->theme, sizeof p->theme, "default");
    p->smoothing = 0.8;
}

static int config_dir(char *out, size_t cap) {
    const char *xdg = getenv("XDG_CONFIG_HOME");
    const char *home = getenv("HOME");
    int n;
    if (xdg && *xdg == '/') n = snprintf(out, cap, "%s/exposure", xdg);
    else if (home && *home) n = snprintf(out, cap, "%s/.config/exposure", home);
    else return -1;
    return n > 0 && (size_t)n < cap ? 0 : -1;
}

/* Where the file lives; returns 0, or -1 when no directory can be named (no HOME). */
static int prefs_path(char *out, size_t cap) {
    char dir[LIMIT_PATH_BYTES];
    if (config_dir(dir, sizeof dir)) return -1;
    int n = snprintf(out, cap, "%s/tui.json", dir);
    return n > 0 && (size_t)n < cap ? 0 : -1;
}

static char *read_small_file(const char *path, char *msg, size_t cap, int *missing) {
    *missing = 0;
    FILE *f = fopen(path, "rb");
    if (!f) {
        *missing = errno == ENOENT;
        snprintf(msg, cap, "%s: %s", path, strerror(errno));
        return NULL;
    }
    char *buf = malloc(PREFS_MAX_BYTES + 1);
    size_t n = buf ? fread(buf, 1, PREFS_MAX_BYTES + 1, f) : 0;
    int bad = !buf || ferror(f) || n > PREFS_MAX_BYTES;
    fclose(f);
    if (bad) {
        snprintf(msg, cap, "%s: %s", path, buf ? "unreadable or too large" : "out of memory");
        free(buf);
        return NULL;
    }
    buf[n] = '\0';
    return buf;
}

static int apply(Prefs *p, const cJSON *root) {
    if (!cJSON_IsObject(root)) return -1;
    const cJSON *theme = cJSON_GetObjectItemCaseSensitive(root, "theme");
    const cJSON *smooth = cJSON_GetObjectItemCaseSensitive(root, "smoothing");
    const cJSON *xaxis = cJSON_GetObjectItemCaseSensitive(root, "x_axis");
    const cJSON *recent = cJSON_GetObjectItemCaseSensitive(root, "recent");
    if ((theme && !cJSON_IsString(theme)) || (smooth && !cJSON_IsNumber(smooth)) ||
        (xaxis && !cJSON_IsString(xaxis)) || (recent && !cJSON_IsArray(recent)))
        return -1;
    if (theme) snprintf(p->theme, sizeof p->theme, "%s", theme->valuestring);
    if (smooth) {
        if (!(smooth->valuedouble >= 0 && smooth->valuedouble <= 0.99)) return -1;
        p->smoothing = smooth->valuedouble;
    }
    if (xaxis) p->x_time = strcmp(xaxis->valuestring, "time") == 0;
    const cJSON *item;
    p->n_recent = 0;
    cJSON_ArrayForEach(item, recent) {
        if (!cJSON_IsString(item)) return -1;
        if (p->n_recent < PREFS_RECENT)
            snprintf(p->recent[p->n_recent++], sizeof p->recent[0], "%s", item->valuestring);
    }
    return 0;
}

int prefs_load(Prefs *p, char *msg, size_t cap) {
    prefs_defaults(p);
    char path[LIMIT_PATH_BYTES];
    if (prefs_path(path, sizeof path)) return 0;
    int missing;
    char *text = read_small_file(path, msg, cap, &missing);
    if (!text) return missing ? 0 : -1;
    cJSON *root = cJSON_Parse(text);
    free(text);
    Prefs loaded = *p;
    int rc = root ? apply(&loaded, root) : -1;
    cJSON_Delete(root);
    if (rc) {
        snprintf(msg, cap, "%s: not valid preferences; ignored (defaults in use)", path);
        return -1;
    }
    *p = loaded;
    return 0;
}

static char *to_json(const Prefs *p) {
    cJSON *root = cJSON_CreateObject();
    cJSON *recent = cJSON_CreateArray();
    if (!root || !recent) {
        cJSON_Delete(root);
        cJSON_Delete(recent);
        return NULL;
    }
    cJSON_AddItemToObject(root, "theme", cJSON_CreateString(p->theme));
    cJSON_AddItemToObject(root, "smoothing", cJSON_CreateNumber(p->smoothing));
    cJSON_AddItemToObject(root, "x_axis", cJSON_CreateString(p->x_time ? "time" : "step"));
    for (int i = 0; i < p->n_recent; i++)
        cJSON_AddItemToArray(recent, cJSON_CreateString(p->recent[i]));
    cJSON_AddItemToObject(root, "recent", recent);
    char *text = cJSON_Print(root);
    cJSON_Delete(root);
    return text;
}

int prefs_save(const Prefs *p, char *msg, size_t cap) {
    /* Room for "/tui.json" and ".tmp.<pid>" after the directory. */
    char dir[LIMIT_PATH_BYTES], path[LIMIT_PATH_BYTES + 16], tmp[LIMIT_PATH_BYTES + 48];
    if (config_dir(dir, sizeof dir)) {
        snprintf(msg, cap, "preferences: neither XDG_CONFIG_HOME nor HOME is set");
        return -1;
    }
    snprintf(path, sizeof path, "%s/tui.json", dir);
    snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid());
    if (mkdirs(dir, 0755, NULL, 0)) {
        snprintf(msg, cap, "%s: %s", dir, strerror(errno));
        return -1;
    }
    char *text = to_json(p);
    if (!text) {
        snprintf(msg, cap, "preferences: out of memory");
        return -1;
    }
    FILE *f = fopen(tmp, "wb");
    int ok = f && fputs(text, f) >= 0 && fputc('\n', f) != EOF;
    if (f && fclose(f)) ok = 0;
    free(text);
    if (!ok || rename(tmp, path)) {
        snprintf(msg, cap, "%s: %s", path, strerror(errno));
        unlink(tmp);
        return -1;
    }
    return 0;
}

void prefs_add_recent(Prefs *p, const char *path) {
    char keep[PREFS_RECENT][1024];
    int n = 0;
    snprintf(keep[n++], sizeof keep[0], "%s", path);
    for (int i = 0; i < p->n_recent && n < PREFS_RECENT; i++)
        if (strcmp(p->recent[i], path) != 0)
            snprintf(keep[n++], sizeof keep[0], "%s", p->recent[i]);
    memcpy(p->recent, keep, sizeof keep);
    p->n_recent = n;
}
