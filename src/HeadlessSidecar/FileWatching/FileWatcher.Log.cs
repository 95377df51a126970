using Microsoft.Extensions.Logging;

namespace HeadlessSidecar.FileWatching;

internal sealed partial class FileWatcher
{
    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "Watched files changed: now {Files} (version {Version}).")]
        public static partial void ContentChanged(ILogger logger, string files, long version);

        [LoggerMessage(2, LogLevel.Warning, "Watched file {Error}; keeping the last content read.")]
        public static partial void Unreadable(ILogger logger, string error);

        [LoggerMessage(3, LogLevel.Information, "Watched files {Files} can be read again.")]
        public static partial void ReadableAgain(ILogger logger, string files);

        [LoggerMessage(4, LogLevel.Error, "A listener of watched files failed.")]
        public static partial void ListenerFailed(ILogger logger, Exception exception);
    }
}
