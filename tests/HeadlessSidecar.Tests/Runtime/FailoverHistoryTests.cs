using HeadlessSidecar.Runtime;

namespace HeadlessSidecar.Tests.Runtime;

public class FailoverHistoryTests
{
    private static FailoverRecord Record(int second, string from = "web-0", string to = "web-1") =>
        new(DateTimeOffset.UnixEpoch.AddSeconds(second), from, to, "connect_error");

    [Fact]
    public void Recent_Empty_IsEmpty()
    {
        var history = new FailoverHistory();
        Assert.Empty(history.Recent);
        Assert.Equal(0, history.Total);
    }

    [Fact]
    public void Add_SeveralFailovers_NewestFirst()
    {
        var history = new FailoverHistory();
        history.Add(Record(1, "web-0", "web-1"));
        history.Add(Record(2, "web-1", "web-2"));

        Assert.Equal([Record(2, "web-1", "web-2"), Record(1, "web-0", "web-1")], history.Recent);
        Assert.Equal(2, history.Total);
    }

    [Fact]
    public void Add_BeyondCapacity_KeepsTheLatestAndCountsAll()
    {
        var history = new FailoverHistory(capacity: 3);
        for (var i = 1; i <= 10; i++)
        {
            history.Add(Record(i));
        }

        Assert.Equal([10, 9, 8], history.Recent.Select(r => r.At.ToUnixTimeSeconds()));
        Assert.Equal(10, history.Total);
    }

    [Fact]
    public void Recent_ReadBeforeAnAdd_IsNotChangedByIt()
    {
        var history = new FailoverHistory(capacity: 2);
        history.Add(Record(1));
        var before = history.Recent;

        history.Add(Record(2));

        Assert.Equal([Record(1)], before);
    }

    [Fact]
    public async Task Add_Concurrently_NoneLostFromTheCount()
    {
        var history = new FailoverHistory(capacity: 5);
        await Task.WhenAll(Enumerable.Range(0, 4).Select(t => Task.Run(() =>
        {
            for (var i = 0; i < 1000; i++)
            {
                history.Add(Record(i));
            }
        }, TestContext.Current.CancellationToken)));

        Assert.Equal(4000, history.Total);
        Assert.Equal(5, history.Recent.Count);
    }
}
