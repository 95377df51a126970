using System.Net;
using HeadlessSidecar.Injection;
using Microsoft.Extensions.Logging;

namespace HeadlessSidecar.Webhook;

internal sealed partial class WebhookHost
{
    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "Injector webhook serving https://{EndPoint}/inject (defaults: mode {Mode}, image {Image}, config map {ConfigMap}).")]
        public static partial void Serving(ILogger logger, IPEndPoint endPoint, InjectionMode mode, string image, string configMap);
    }
}
