using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;
using System.Text;

namespace HeadlessSidecar.Health.Probes;

/// <summary>
/// The <c>mysql_native_password</c> scramble: SHA1(password) XOR SHA1(nonce + SHA1(SHA1(password))).
/// An empty password answers with no bytes.
/// </summary>
internal static class MySqlNativePassword
{
    public const string PluginName = "mysql_native_password";
    public const int NonceLength = 20;

    [SuppressMessage("Security", "CA5350", Justification = "mysql_native_password is defined on SHA1; the server chooses it.")]
    public static byte[] Scramble(string password, ReadOnlySpan<byte> nonce)
    {
        ArgumentNullException.ThrowIfNull(password);
        if (password.Length == 0)
        {
            return [];
        }

        if (nonce.Length < NonceLength)
        {
            throw new ProbeProtocolException($"MySQL auth nonce of {nonce.Length} bytes, {NonceLength} needed");
        }

        var passwordBytes = Encoding.UTF8.GetBytes(password);
        Span<byte> stage1 = stackalloc byte[SHA1.HashSizeInBytes];
        Span<byte> stage2 = stackalloc byte[SHA1.HashSizeInBytes];
        SHA1.HashData(passwordBytes, stage1);
        SHA1.HashData(stage1, stage2);
        CryptographicOperations.ZeroMemory(passwordBytes);

        Span<byte> salted = stackalloc byte[NonceLength + SHA1.HashSizeInBytes];
        nonce[..NonceLength].CopyTo(salted);
        stage2.CopyTo(salted[NonceLength..]);
        var result = SHA1.HashData(salted);
        for (var i = 0; i < result.Length; i++)
        {
            result[i] ^= stage1[i];
        }

        CryptographicOperations.ZeroMemory(stage1);
        return result;
    }
}
