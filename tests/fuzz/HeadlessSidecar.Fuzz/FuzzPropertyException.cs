namespace HeadlessSidecar.Fuzz;

/// <summary>A property the target checks did not hold: a finding, as much as an exception from the code under test.</summary>
internal sealed class FuzzPropertyException : Exception
{
    public FuzzPropertyException()
    {
    }

    public FuzzPropertyException(string message)
        : base(message)
    {
    }

    public FuzzPropertyException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public static void Check(bool condition, string property)
    {
        if (!condition)
        {
            throw new FuzzPropertyException(property);
        }
    }
}
