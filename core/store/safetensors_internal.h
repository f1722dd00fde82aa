/* What the safetensors reader, writer and dtype table share; not for other modules. */
#ifndef EXPOSURE_SAFETENSORS_INTERNAL_H
#define EXPOSURE_SAFETENSORS_INTERNAL_H

#include "safetensors.h"

/* Bits per element (4 and 6 for the packed float formats). */
unsigned st_dtype_bits(StDtype d);
/* The dtype called name ("F32", ...): 0, or -1 when there is none. */
int st_dtype_parse(const char *name, StDtype *d);

#endif
