namespace HeadlessSidecar.Webhook;

/// <summary>The webhook cannot start: the message is the one line the command prints.</summary>
internal sealed class WebhookStartException(string message, Exception? inner = null) : Exception(message, inner);
