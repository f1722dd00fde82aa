/* Where the shipped assets are (assets/: the built-in datasets and the config presets). */
#ifndef EXPOSURE_ASSETS_H
#define EXPOSURE_ASSETS_H

/* The directory holding the shipped assets: $EXPOSURE_ASSETS when set, else the assets/
 * directory beside the directory of the running binary (build/../assets), else ./assets. */
const char *assets_dir(void);

#endif
