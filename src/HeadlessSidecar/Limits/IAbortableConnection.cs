namespace HeadlessSidecar.Limits;

/// <summary>An app connection served outside Kestrel (a raw TCP session): the drain and a reload close it when its time is up.</summary>
internal interface IAbortableConnection
{
    void Abort();
}
