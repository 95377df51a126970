namespace HeadlessSidecar.Configuration;

public enum ServiceProtocol
{
    Http,
    Tcp,
}
