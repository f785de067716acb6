// zlib (Debian's zlib1g-dev): deflate and CRC-32 for the offline image provider's PNGs.
#include <zlib.h>
