namespace HeadlessSidecar.Forwarding.Http1;

/// <summary>Where one response header's name and (trimmed) value lie in the parsed buffer.</summary>
internal readonly record struct Http1HeaderRange(int NameStart, int NameLength, int ValueStart, int ValueLength);
