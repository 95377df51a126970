using System.Globalization;
using System.Net;
using Microsoft.Extensions.Configuration;

namespace HeadlessSidecar.Configuration;

/// <summary>Reads typed values from one configuration section, remembering which keys it knows so that
/// anything else (a typo) is reported, and recording errors with full key paths.</summary>
internal sealed class SectionReader
{
    private readonly IConfigurationSection _section;
    private readonly List<ConfigError> _errors;
    private readonly HashSet<string> _known = new(StringComparer.OrdinalIgnoreCase);
    private bool _allKnown;

    public SectionReader(IConfigurationSection section, List<ConfigError> errors)
    {
        _section = section;
        _errors = errors;
    }

    public string Name => _section.Key;

    public string Path => _section.Path;

    public bool HasChildren => _section.GetChildren().Any();

    public void Error(string key, string reason) =>
        _errors.Add(new ConfigError(key.Length == 0 ? Path : key.StartsWith(Path, StringComparison.OrdinalIgnoreCase) ? key : $"{Path}:{key}", reason));

    public bool Exists(string key)
    {
        _known.Add(key);
        var child = _section.GetSection(key);
        return child.Value is not null || child.GetChildren().Any();
    }

    /// <summary>The raw value; JSON <c>null</c> and the empty string both read as absent.</summary>
    public string? Raw(string key)
    {
        _known.Add(key);
        var value = _section[key];
        return value;
    }

    public string? String(string key)
    {
        var value = Raw(key)?.Trim();
        return string.IsNullOrEmpty(value) || value == "null" ? null : value;
    }

    public SectionReader Section(string key)
    {
        _known.Add(key);
        return new SectionReader(_section.GetSection(key), _errors);
    }

    public IEnumerable<SectionReader> Children() => _section.GetChildren().Select(c => new SectionReader(c, _errors));

    public void MarkAllKnown() => _allKnown = true;

    public IEnumerable<(string Key, string? Value)> List(string key)
    {
        _known.Add(key);
        var section = _section.GetSection(key);
        if (section.Value is { Length: > 0 } single)
        {
            return [(section.Path, single)];
        }
        return section.GetChildren()
            .OrderBy(c => int.TryParse(c.Key, NumberStyles.None, CultureInfo.InvariantCulture, out var i) ? i : int.MaxValue)
            .Select(c => (c.Path, c.Value));
    }

    public TimeSpan Duration(string key, TimeSpan fallback, bool positive = false)
    {
        var raw = String(key);
        if (raw is null)
        {
            return fallback;
        }
        if (!DurationParser.TryParse(raw, out var value))
        {
            Error(key, $"'{raw}' is not a duration (e.g. 00:00:05, 5s, 250ms, 2m)");
            return fallback;
        }
        if (positive && value <= TimeSpan.Zero)
        {
            Error(key, $"'{raw}' must be longer than zero");
            return fallback;
        }
        return value;
    }

    public TimeSpan? NullableDuration(string key)
    {
        var raw = String(key);
        if (raw is null)
        {
            return null;
        }
        if (!DurationParser.TryParse(raw, out var value) || value <= TimeSpan.Zero)
        {
            Error(key, $"'{raw}' is not a positive duration (e.g. 00:00:05, 5s, 250ms; null turns it off)");
            return null;
        }
        return value;
    }

    /// <summary>
    /// A duration with a default that <c>null</c> turns off: an absent key keeps <paramref name="fallback"/>, a key
    /// present with JSON <c>null</c>, an empty value or <c>null</c> means off.
    /// </summary>
    public TimeSpan? DurationOrOff(string key, TimeSpan? fallback)
    {
        _known.Add(key);
        if (!_section.GetChildren().Any(c => string.Equals(c.Key, key, StringComparison.OrdinalIgnoreCase)))
        {
            return fallback;
        }
        return NullableDuration(key);
    }

    public int Int(string key, int fallback, int min, int max) => OptionalInt(key, min, max) ?? fallback;

    public int? OptionalInt(string key, int min, int max)
    {
        var raw = String(key);
        if (raw is null)
        {
            return null;
        }
        if (!int.TryParse(raw, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value) || value < min || value > max)
        {
            Error(key, $"'{raw}' is not a whole number from {min} to {max}");
            return null;
        }
        return value;
    }

    public bool Bool(string key, bool fallback)
    {
        var raw = String(key);
        if (raw is null)
        {
            return fallback;
        }
        if (!bool.TryParse(raw, out var value))
        {
            Error(key, $"'{raw}' is not true or false");
            return fallback;
        }
        return value;
    }

    public IPEndPoint? EndPoint(string key, int? defaultPort)
    {
        var raw = String(key);
        if (raw is null)
        {
            return null;
        }
        if (!EndPointParser.TryParse(raw, defaultPort, out var endPoint))
        {
            Error(key, $"'{raw}' is not a valid endpoint");
            return null;
        }
        return endPoint;
    }

    public T Enum<T>(string key, T fallback) where T : struct, System.Enum
    {
        var raw = String(key);
        if (raw is null)
        {
            return fallback;
        }
        foreach (var name in System.Enum.GetNames<T>())
        {
            if (name.Equals(raw, StringComparison.OrdinalIgnoreCase))
            {
                return System.Enum.Parse<T>(name);
            }
        }
        Error(key, $"'{raw}' is not one of {string.Join(", ", System.Enum.GetNames<T>())}");
        return fallback;
    }

    public string? Choice(string key, string[] choices)
    {
        var raw = String(key);
        if (raw is null)
        {
            return null;
        }
        foreach (var choice in choices)
        {
            if (choice.Equals(raw, StringComparison.OrdinalIgnoreCase))
            {
                return choice;
            }
        }
        Error(key, $"'{raw}' is not one of {string.Join(", ", choices)}");
        return null;
    }

    public void RejectUnknown()
    {
        if (_allKnown)
        {
            return;
        }
        foreach (var child in _section.GetChildren())
        {
            if (!_known.Contains(child.Key))
            {
                _errors.Add(new ConfigError(child.Path, "is not a known setting"));
            }
        }
    }
}
