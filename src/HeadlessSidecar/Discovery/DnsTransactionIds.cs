using System.Runtime.InteropServices;
using System.Security.Cryptography;

namespace HeadlessSidecar.Discovery;

/// <summary>
/// Random DNS transaction IDs. An off-path spoofer must guess them, so they come from a cryptographic source: on Linux
/// the kernel's, through <c>getrandom(2)</c>. <see cref="RandomNumberGenerator"/> would do too, but on Linux it goes
/// through OpenSSL, and its first use loads and initialises libcrypto: ~3.5 MB of the sidecar's resident memory for
/// the first DNS query of a sidecar that may never speak TLS. Elsewhere, or if the call fails, it is the fallback.
/// </summary>
internal static partial class DnsTransactionIds
{
    // A C library without getrandom (or not found by that name): the fallback from then on.
    private static volatile bool s_noGetRandom = !OperatingSystem.IsLinux();

    public static ushort Next()
    {
        ushort id = 0;
        if (!s_noGetRandom)
        {
            try
            {
                if (GetRandom(ref id, sizeof(ushort), 0) == sizeof(ushort))
                {
                    return id;
                }
            }
            catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
            {
                s_noGetRandom = true;
            }
        }
        return (ushort)RandomNumberGenerator.GetInt32(0, 0x10000);
    }

    // Flags 0: the urandom pool, blocking only until it is first initialised at boot; a read of 2 bytes is never short.
    [LibraryImport("libc", EntryPoint = "getrandom", SetLastError = true)]
    private static partial nint GetRandom(ref ushort buffer, nuint length, uint flags);
}
