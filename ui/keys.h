/* Keys as the screens see them: wget_wch's characters as themselves, its function keys
 * (KEY_UP, KEY_F(1), KEY_MOUSE, ...) moved above the Unicode range so that the two never
 * collide, and the key map entries shown by the help overlay. */
#ifndef EXPOSURE_UI_KEYS_H
#define EXPOSURE_UI_KEYS_H

#define KEY_FN(k) (0x110000 + (k))
#define KEY_CTRL(c) ((c)&0x1f)
#define KEY_ESC 27
#define KEY_TAB '\t'

typedef struct {
    const char *key;  /* as the user types it: "Space", "←/→ n/p" */
    const char *what; /* one line */
} KeyHelp;

#endif
