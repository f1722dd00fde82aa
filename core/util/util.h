/* The base layer: what every other layer may use and what itself uses nothing of the
 * project's. Random numbers, growable strings, binary blobs, UTF-8, reading lines, the file
 * guard, SVG charts, where the assets are, the clock, making directories, paths as text, the
 * named limits and the version. */
#ifndef EXPOSURE_UTIL_H
#define EXPOSURE_UTIL_H

#include "assets.h"
#include "blob.h"
#include "clock.h"
#include "cpu.h"
#include "fileguard.h"
#include "limit.h"
#include "linereader.h"
#include "mkdirs.h"
#include "paths.h"
#include "rng.h"
#include "strbuf.h"
#include "svgplot.h"
#include "utf8.h"
#include "version.h"

#endif
