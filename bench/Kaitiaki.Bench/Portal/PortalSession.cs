using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;

namespace Kaitiaki.Bench.Portal;

/// <summary>An answer's status, and its body when it was a success the caller wanted to read.</summary>
internal readonly record struct Answer<T>(int Status, T? Value)
{
    public bool Succeeded => Status is >= 200 and < 300 && Value is not null;
}

/// <summary>
/// One signed-in person (or whoever holds their token) talking to the portal from one source address. The bearer
/// token is private: nothing here writes it anywhere but the Authorization header.
/// </summary>
internal sealed class PortalSession : IDisposable
{
    private readonly string _token;

    public PortalSession(HttpClient http, string token, DemoAccount account, IPAddress source)
    {
        Http = http;
        _token = token;
        Account = account;
        Source = source;
    }

    public HttpClient Http { get; }
    public DemoAccount Account { get; }
    public IPAddress Source { get; }

    /// <summary>The same token in another client, from another address: what a thief does with a stolen token.</summary>
    public PortalSession StolenFrom(IPAddress source, int connections = 2) =>
        new(PortalHttp.Create(Http.BaseAddress!, source, connections), _token, Account, source);

    public async Task<Answer<T>> GetJsonAsync<T>(string path, CancellationToken cancellationToken)
    {
        using var request = Request(HttpMethod.Get, path);
        using var response = await Http.SendAsync(request, cancellationToken);
        return await ReadAsync<T>(response, cancellationToken);
    }

    public async Task<Answer<T>> PostJsonAsync<T>(string path, object body, CancellationToken cancellationToken)
    {
        using var request = Request(HttpMethod.Post, path);
        request.Content = JsonContent.Create(body, options: Json.Options);
        using var response = await Http.SendAsync(request, cancellationToken);
        return await ReadAsync<T>(response, cancellationToken);
    }

    /// <summary>Downloads a document's content and throws it away; the status says whether it was disclosed.</summary>
    public async Task<int> DownloadAsync(Guid documentId, CancellationToken cancellationToken)
    {
        using var request = Request(HttpMethod.Get, $"/api/v1/documents/{documentId}/content");
        using var response = await Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        await using (var body = await response.Content.ReadAsStreamAsync(cancellationToken))
        {
            await body.CopyToAsync(Stream.Null, cancellationToken);
        }
        return (int)response.StatusCode;
    }

    public Task<Answer<List<DocumentItem>>> ListDocumentsAsync(Guid? patientId, CancellationToken cancellationToken) =>
        GetJsonAsync<List<DocumentItem>>(patientId is null ? "/api/v1/documents" : $"/api/v1/documents?patientId={patientId}", cancellationToken);

    public Task<Answer<List<PatientItem>>> PatientsPageAsync(int page, CancellationToken cancellationToken) =>
        GetJsonAsync<List<PatientItem>>($"/api/v1/patients?page={page}", cancellationToken);

    public Task<Answer<MeAnswer>> MeAsync(CancellationToken cancellationToken) => GetJsonAsync<MeAnswer>("/api/v1/me", cancellationToken);

    /// <summary>
    /// The ways the portal may name this person and session in an alert: account and session ids (both Guid forms),
    /// e-mail address and source address. Asks the portal for the account and session ids.
    /// </summary>
    public async Task<string[]> IdentifiersAsync(CancellationToken cancellationToken)
    {
        var names = new List<string> { Account.Email, Source.ToString() };
        if ((await MeAsync(cancellationToken)).Value is { } me)
        {
            names.AddRange([me.AccountId.ToString("N"), me.AccountId.ToString("D")]);
        }
        if ((await GetJsonAsync<List<SessionItem>>("/api/v1/me/sessions", cancellationToken)).Value?.FirstOrDefault(s => s.Current) is { } session)
        {
            names.AddRange([session.Id.ToString("N"), session.Id.ToString("D")]);
        }
        return [.. names];
    }

    public void Dispose() => Http.Dispose();

    public override string ToString() => $"{Account} from {Source}";

    private HttpRequestMessage Request(HttpMethod method, string path)
    {
        var request = new HttpRequestMessage(method, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _token);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        return request;
    }

    private static async Task<Answer<T>> ReadAsync<T>(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var status = (int)response.StatusCode;
        if (response.StatusCode is not (HttpStatusCode.OK or HttpStatusCode.Created))
        {
            return new Answer<T>(status, default);
        }
        return new Answer<T>(status, await response.Content.ReadFromJsonAsync<T>(Json.Options, cancellationToken));
    }
}
