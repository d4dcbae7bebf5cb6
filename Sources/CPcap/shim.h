#include <pcap/pcap.h>
// __fsetlocking: CaptureReader turns off stdio's locking of the capture stream it owns (one
// thread reads it; libpcap calls fread twice a packet).
#include <stdio_ext.h>
