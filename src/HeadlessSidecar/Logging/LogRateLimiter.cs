using System.Collections.Concurrent;

namespace HeadlessSidecar.Logging;

/// <summary>
/// How many lines of one kind (category and event id) may be written per window: a hostile client that makes
/// the same warning happen thousands of times a second (a rapid-reset burst made Kestrel write ~90 critical lines
/// per connection) must not turn the logs into the flood. Lines over the budget are counted, and the count is
/// written with the first line of that kind in a later window.
/// </summary>
internal sealed class LogRateLimiter(TimeProvider time, int linesPerWindow, TimeSpan window)
{
    private readonly ConcurrentDictionary<(string Category, int EventId), Budget> _budgets = new();

    /// <summary>Whether this line may be written; <paramref name="suppressed"/> is how many of its kind were
    /// dropped in earlier windows and not reported yet.</summary>
    public bool TryWrite(string category, int eventId, out int suppressed)
    {
        var budget = _budgets.GetOrAdd((category, eventId), static _ => new Budget());
        var now = time.GetTimestamp();
        lock (budget)
        {
            suppressed = 0;
            if (time.GetElapsedTime(budget.WindowStart, now) >= window)
            {
                budget.WindowStart = now;
                budget.Written = 0;
                suppressed = budget.Suppressed;
                budget.Suppressed = 0;
            }
            if (budget.Written < linesPerWindow)
            {
                budget.Written++;
                return true;
            }
            budget.Suppressed++;
            suppressed = 0;
            return false;
        }
    }

    private sealed class Budget
    {
        public long WindowStart;
        public int Written;
        public int Suppressed;
    }
}
