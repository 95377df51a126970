using Microsoft.Extensions.Logging;

namespace HeadlessSidecar.Certificates;

internal sealed partial class ReloadingCertificate
{
    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "Serving certificate {Subject} (expires {NotAfter:u}, thumbprint {Thumbprint}) loaded from {File}.")]
        public static partial void Loaded(ILogger logger, string subject, DateTime notAfter, string thumbprint, string file);

        [LoggerMessage(2, LogLevel.Error, "Serving certificate not loaded from {CertificateFile} and {KeyFile}: {Reason}.")]
        public static partial void LoadFailed(ILogger logger, string certificateFile, string keyFile, string reason);

        [LoggerMessage(3, LogLevel.Error, "New serving certificate not loaded from {CertificateFile} and {KeyFile}: {Reason}; still serving {Thumbprint}.")]
        public static partial void ReloadFailedKeptPrevious(ILogger logger, string certificateFile, string keyFile, string reason, string thumbprint);

        [LoggerMessage(4, LogLevel.Warning, "Serving certificate {Thumbprint} expired at {NotAfter:u}; clients will refuse it until the files are renewed.")]
        public static partial void Expired(ILogger logger, string thumbprint, DateTime notAfter);
    }
}
