/*
 * For tests under wine only; never shipped (scripts/dist-test.sh checks that
 * no package contains a bcryptprimitives.dll).
 *
 * Go 1.22 and later get their random numbers from ProcessPrng in
 * bcryptprimitives.dll, which wine 8 (Debian 12) does not have, so no Go
 * program starts under it. scripts/wine-test.sh builds this DLL with MinGW
 * and puts it into the system directory of a throw-away wine prefix.
 * ProcessPrng fills the buffer from RtlGenRandom (advapi32's
 * SystemFunction036), which wine implements.
 */
#include <windows.h>
#define SystemFunction036 NTAPI SystemFunction036
#include <ntsecapi.h>
#undef SystemFunction036

BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T len) {
	while (len > 0) {
		ULONG n = len > 0x10000000 ? 0x10000000 : (ULONG)len;
		if (!RtlGenRandom(data, n)) return FALSE;
		data += n;
		len -= n;
	}
	return TRUE;
}
