// libcrypto's one-algorithm digest functions (MD5_Init … SHA256_Final): deprecated in OpenSSL 3
// in favour of EVP, still built in Debian's libcrypto, and what TLSFingerprint's Digest uses (see
// there why). The deprecation attributes are turned off for this module only.
#define OPENSSL_SUPPRESS_DEPRECATED 1
#include <openssl/evp.h>
#include <openssl/sha.h>
#include <openssl/md5.h>
