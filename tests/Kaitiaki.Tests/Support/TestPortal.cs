using System.Net.Http.Json;
using System.Text.Json;
using Kaitiaki.Accounts;
using Kaitiaki.Practices;
using Kaitiaki.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.TestHost;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Kaitiaki.Tests.Support;

internal sealed record TestUser(Guid AccountId, string Email, string Password, string TotpSecret, Guid? PatientId, string Role);

/// <summary>
/// One running portal over a real database: SQLite in a temporary folder, or a fresh database on
/// the PostgreSQL cluster named by KAITIAKI_TEST_POSTGRES. Intent methods make people and sign them in.
/// </summary>
internal sealed class TestPortal : IAsyncDisposable
{
    public const string PostgresVariable = "KAITIAKI_TEST_POSTGRES";

    private readonly string? _postgresDatabase;
    private readonly IReadOnlyList<string> _args;
    private readonly Action<WebApplicationBuilder>? _configure;
    private readonly bool _kestrel;
    private bool _handedOn;

    private TestPortal(WebApplication app, string dataDirectory, string? postgresDatabase, MutableClock clock, bool kestrel, IReadOnlyList<string> storageArgs,
        IReadOnlyList<string> args, Action<WebApplicationBuilder>? configure)
    {
        App = app;
        _args = args;
        _configure = configure;
        _kestrel = kestrel;
        DataDirectory = dataDirectory;
        StorageArgs = storageArgs;
        _postgresDatabase = postgresDatabase;
        Clock = clock;
        if (kestrel)
        {
            BaseUrl = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
            Client = new HttpClient { BaseAddress = new Uri(BaseUrl) };
        }
        else
        {
            BaseUrl = "https://localhost";
            Client = NewClient();
        }
    }

    public WebApplication App { get; }
    public string DataDirectory { get; }

    /// <summary>The command-line settings that point at this portal's data folder and database, for running CLI verbs against it.</summary>
    public IReadOnlyList<string> StorageArgs { get; }

    public MutableClock Clock { get; }
    public HttpClient Client { get; }
    public string BaseUrl { get; }
    public IServiceProvider Services => App.Services;
    public static bool OnPostgres => !string.IsNullOrEmpty(Environment.GetEnvironmentVariable(PostgresVariable));

    /// <param name="kestrel">Listen on a real loopback port (for the browser) instead of the in-memory test server.</param>
    /// <param name="configure">Runs on the builder just before the portal is built, e.g. to add a logging provider.</param>
    public static async Task<TestPortal> StartAsync(
        bool kestrel = false, IDictionary<string, string>? settings = null, Action<WebApplicationBuilder>? configure = null)
    {
        var data = Path.Combine(Path.GetTempPath(), "kaitiaki-test-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(data);
        var args = new List<string>
        {
            $"--Kaitiaki:DataDirectory={data}",
            "--Kaitiaki:SignInAttemptsPerMinute=10000",
            "--Kaitiaki:AuditCheckpointIntervalSeconds=3600",
            "--environment=Test",
        };
        args.AddRange(TestCertificates.DataProtectionArgs);
        string? database = null;
        var postgres = Environment.GetEnvironmentVariable(PostgresVariable);
        if (!string.IsNullOrEmpty(postgres))
        {
            database = "kaitiaki_test_" + Guid.NewGuid().ToString("N");
            await using (var admin = new NpgsqlConnection(postgres))
            {
                await admin.OpenAsync();
                await using var create = new NpgsqlCommand($"CREATE DATABASE {database}", admin);
                await create.ExecuteNonQueryAsync();
            }
            args.Add("--Kaitiaki:DatabaseProvider=postgres");
            args.Add($"--ConnectionStrings:Kaitiaki={new NpgsqlConnectionStringBuilder(postgres) { Database = database }}");
        }
        var storageArgs = args.ToList();
        if (kestrel)
        {
            args.Add("--urls=http://127.0.0.1:0");
        }
        foreach (var (key, value) in settings ?? new Dictionary<string, string>())
        {
            args.Add($"--{key}={value}");
        }

        var clock = new MutableClock();
        var app = await BuildAndStartAsync(args, clock, kestrel, configure);
        return new TestPortal(app, data, database, clock, kestrel, storageArgs, args, configure);
    }

    /// <summary>
    /// Stops this portal and starts a new one over the same data folder, keys and database, as restarting the server
    /// would: in-memory state such as cached master keys is gone. Use only the returned portal from then on; disposing
    /// it removes the data, disposing this one does nothing.
    /// </summary>
    public async Task<TestPortal> RestartAsync()
    {
        Client.Dispose();
        await App.StopAsync();
        await App.DisposeAsync();
        _handedOn = true;
        // The new clock carries on from the old one, so authenticator codes and session times keep moving forwards.
        var clock = new MutableClock();
        clock.Advance(Clock.GetUtcNow() - clock.GetUtcNow());
        var app = await BuildAndStartAsync(_args, clock, _kestrel, _configure);
        return new TestPortal(app, DataDirectory, _postgresDatabase, clock, _kestrel, StorageArgs, _args, _configure);
    }

    private static async Task<WebApplication> BuildAndStartAsync(
        IReadOnlyList<string> args, MutableClock clock, bool kestrel, Action<WebApplicationBuilder>? configure)
    {
        var builder = KaitiakiHost.CreateBuilder([.. args]);
        builder.Services.AddSingleton<TimeProvider>(clock);
        if (!kestrel)
        {
            builder.WebHost.UseTestServer();
        }
        configure?.Invoke(builder);
        var app = KaitiakiHost.Build(builder);
        await StorageSetup.MigrateAsync(app.Services, CancellationToken.None);
        await app.StartAsync();
        return app;
    }

    /// <summary>A new client with its own cookie jar, like a second browser. On Kestrel it talks over a real loopback connection.</summary>
    public HttpClient NewClient(bool allowRedirects = false)
    {
        var handler = new CookieJarHandler(_kestrel ? new SocketsHttpHandler { UseCookies = false, AllowAutoRedirect = false } : App.GetTestServer().CreateHandler());
        HttpMessageHandler outer = allowRedirects ? new RedirectHandler(handler) : handler;
        return new HttpClient(outer) { BaseAddress = new Uri(BaseUrl) };
    }

    public async Task<T> WithScopeAsync<T>(Func<IServiceProvider, Task<T>> work)
    {
        await using var scope = Services.CreateAsyncScope();
        return await work(scope.ServiceProvider);
    }

    /// <summary>
    /// Changes the database as the command line or another server would: through a context whose revision counter,
    /// ledger and stream are its own, so this portal learns of the change only from the database.
    /// </summary>
    public async Task ElsewhereAsync(Func<KaitiakiDb, Task> change)
    {
        await using var elsewhere = new ServiceCollection()
            .Configure<IdentityOptions>(o => o.Stores.SchemaVersion = IdentitySchemaVersions.Version3)
            .AddSingleton(Services.GetRequiredService<Kaitiaki.Audit.AuditChain>())
            .AddSingleton<Kaitiaki.Audit.AuditStream>()
            .AddSingleton<Kaitiaki.Audit.AuditLedger>()
            .AddSingleton<AccessRevisions>()
            .BuildServiceProvider();
        await using KaitiakiDb db = OnPostgres
            ? new PostgresKaitiakiDb(new DbContextOptionsBuilder<PostgresKaitiakiDb>(Services.GetRequiredService<DbContextOptions<PostgresKaitiakiDb>>())
                .UseApplicationServiceProvider(elsewhere).Options)
            : new SqliteKaitiakiDb(new DbContextOptionsBuilder<SqliteKaitiakiDb>(Services.GetRequiredService<DbContextOptions<SqliteKaitiakiDb>>())
                .UseApplicationServiceProvider(elsewhere).Options);
        await change(db);
    }

    /// <summary>Waits until every e-mail queued so far has been written to the outbox (or has failed).</summary>
    public Task MailSentAsync() => Services.GetRequiredService<Kaitiaki.Notifications.OutboxSignal>().IdleAsync();

    /// <summary>The access revision as the database holds it (architecture, section 3.4).</summary>
    public Task<long> AccessRevisionAsync() =>
        WithScopeAsync(sp => sp.GetRequiredService<KaitiakiDb>().AccessRevisions.Select(r => r.Value).SingleAsync());

    public Task<Practice> CreatePracticeAsync(string name = "Test Practice", string? stem = null) =>
        WithScopeAsync(sp => sp.GetRequiredService<PracticeService>().CreatePracticeAsync(
            name, HpiFacilityId.Complete(stem ?? $"F{Random.Shared.Next(0, 9)}{RandomLetter()}{Random.Shared.Next(100, 999)}"),
            "Privacy Officer", "privacy@practice.example.nz", CancellationToken.None));

    private static int _nhiCounter = Random.Shared.Next(0, 500) * 1000;

    public static string NewTestNhi()
    {
        while (true)
        {
            var n = Interlocked.Increment(ref _nhiCounter);
            var letters = $"Z{(char)('A' + n / 1000 % 8)}{(char)('P' + n / 8000 % 10)}";
            if (Nhi.CompleteOldFormat(letters, n % 1000) is { } nhi)
            {
                return nhi;
            }
        }
    }

    /// <summary>A patient enrolled at the practice, with an account already activated (password and authenticator app).</summary>
    public async Task<TestUser> CreatePatientAsync(Practice practice, DateOnly? dateOfBirth = null)
    {
        var email = $"patient-{Guid.NewGuid():N}@example.nz";
        var registration = await WithScopeAsync(sp => sp.GetRequiredService<PracticeService>().RegisterPatientAsync(
            practice.Id,
            new NewPatient(NewTestNhi(), "Test", "Patient", dateOfBirth ?? new DateOnly(1980, 5, 17), email, "021 555 0101", ContactMethod.Email),
            invite: false, staffAccountId: null, CancellationToken.None));
        var patient = registration.NewPatient!;
        return await CreateAccountAsync(new Account { Kind = AccountKind.Patient, DisplayName = patient.DisplayName, Email = email, PatientId = patient.Id }, Roles.Patient);
    }

    public async Task<TestUser> CreateStaffAsync(Practice practice, StaffRole role)
    {
        var user = await CreateAccountAsync(
            new Account { Kind = AccountKind.Staff, DisplayName = $"Staff {role}", Email = $"staff-{Guid.NewGuid():N}@example.nz" }, Roles.Of(role));
        await WithScopeAsync(async sp =>
        {
            var db = sp.GetRequiredService<KaitiakiDb>();
            db.StaffMemberships.Add(new StaffMembership { AccountId = user.AccountId, PracticeId = practice.Id, Role = role, StartedAt = Clock.GetUtcNow().UtcDateTime });
            return await db.SaveChangesAsync();
        });
        return user;
    }

    public Task<TestUser> CreateOperatorAsync(OperatorRole role) =>
        CreateAccountAsync(new Account
        {
            Kind = AccountKind.Operator,
            DisplayName = $"Operator {role}",
            Email = $"operator-{Guid.NewGuid():N}@example.nz",
            OperatorRole = role,
        }, Roles.Of(role));

    private Task<TestUser> CreateAccountAsync(Account account, string role) =>
        WithScopeAsync(async sp =>
        {
            var users = sp.GetRequiredService<UserManager<Account>>();
            var password = "correct horse " + Guid.NewGuid().ToString("N")[..8];
            account.UserName = account.Email;
            account.EmailConfirmed = true;
            account.LockoutEnabled = true;
            account.CreatedAt = Clock.GetUtcNow().UtcDateTime;
            var seed = Totp.NewSecret();
            account.TotpSecret = await sp.GetRequiredService<TotpSeeds>().SealAsync(seed, account.Id, CancellationToken.None);
            var result = await users.CreateAsync(account, password);
            Assert.True(result.Succeeded, string.Join(" ", result.Errors.Select(e => e.Description)));
            return new TestUser(account.Id, account.Email!, password, seed, account.PatientId, role);
        });

    /// <summary>The authenticator code for the next 30-second step: moves the clock on so every code is fresh.</summary>
    public string NextTotp(TestUser user)
    {
        Clock.Advance(TimeSpan.FromSeconds(Totp.StepSeconds));
        return Totp.Code(user.TotpSecret, Totp.StepAt(Clock.GetUtcNow()));
    }

    public async Task<JsonElement> LoginAsync(TestUser user, HttpClient? client = null)
    {
        var response = await (client ?? Client).PostAsJsonAsync("/api/v1/auth/login", new { email = user.Email, password = user.Password });
        response.EnsureSuccessStatusCode();
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    /// <summary>Sends the second step of an API sign-in for a challenge the login answer gave.</summary>
    public Task<HttpResponseMessage> PostMfaAsync(JsonElement login, string method, string code) =>
        Client.PostAsJsonAsync("/api/v1/auth/mfa", new { challengeId = login.GetProperty("challengeId").GetString(), method, code });

    /// <summary>Signs in through the API with password and authenticator code; returns the access token.</summary>
    public async Task<string> SignInTokenAsync(TestUser user)
    {
        var mfa = await PostMfaAsync(await LoginAsync(user), "totp", NextTotp(user));
        mfa.EnsureSuccessStatusCode();
        return (await mfa.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("accessToken").GetString()!;
    }

    /// <summary>Signs in through the web pages with password and authenticator code; returns a client holding the session cookie.</summary>
    public async Task<HttpClient> SignInWebAsync(TestUser user)
    {
        var client = NewClient();
        var login = await WebForms.PostAsync(client, "/account/login", new Dictionary<string, string> { ["Email"] = user.Email, ["Password"] = user.Password });
        Assert.Equal(System.Net.HttpStatusCode.Redirect, login.StatusCode);
        var mfa = await WebForms.PostAsync(client, "/account/mfa", new Dictionary<string, string> { ["Method"] = "totp", ["Code"] = NextTotp(user) });
        Assert.Equal(System.Net.HttpStatusCode.Redirect, mfa.StatusCode);
        return client;
    }

    /// <summary>Signs in through the API with password and authenticator code; returns a client that sends the bearer token.</summary>
    public async Task<HttpClient> SignInApiAsync(TestUser user) => BearerClient(await SignInTokenAsync(user));

    public HttpClient BearerClient(string token)
    {
        var client = NewClient();
        client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    /// <summary>Uploads through the API as multipart, fields first, the way the mobile app does.</summary>
    public static async Task<HttpResponseMessage> UploadAsync(HttpClient client, byte[] content, string contentType = "application/pdf",
        string title = "Discharge summary", string category = "correspondence", Guid? patientId = null, string fileName = "letter.pdf")
    {
        using var form = new MultipartFormDataContent();
        if (patientId is { } id)
        {
            form.Add(new StringContent(id.ToString()), "patientId");
        }
        form.Add(new StringContent(title), "title");
        form.Add(new StringContent(category), "category");
        var file = new ByteArrayContent(content);
        file.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue(contentType);
        form.Add(file, "file", fileName);
        return await client.PostAsync("/api/v1/documents", form);
    }

    /// <summary>A new patient at a new practice, signed in through the API, who has uploaded <paramref name="count"/> PDFs.</summary>
    public async Task<(TestUser Patient, HttpClient Client, List<Guid> Ids)> PatientWithDocumentsAsync(int count, string category = "correspondence")
    {
        var patient = await CreatePatientAsync(await CreatePracticeAsync());
        var client = await SignInApiAsync(patient);
        var ids = new List<Guid>();
        for (var i = 0; i < count; i++)
        {
            ids.Add(await UploadedIdAsync(client, Pdf(20_000 + i, seed: i + 1), category));
        }
        return (patient, client, ids);
    }

    /// <summary>Uploads a PDF that must be accepted; returns its id.</summary>
    public static async Task<Guid> UploadedIdAsync(HttpClient client, byte[] content, string category = "correspondence", Guid? patientId = null)
    {
        var created = await UploadAsync(client, content, category: category, patientId: patientId);
        Assert.Equal(System.Net.HttpStatusCode.Created, created.StatusCode);
        return (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
    }

    /// <summary>A small but genuine-looking PDF of the given size.</summary>
    public static byte[] Pdf(int size, int seed = 1)
    {
        var random = new Random(seed);
        var body = new byte[Math.Max(size, 16)];
        "%PDF-1.7\n"u8.CopyTo(body);
        for (var i = 9; i < body.Length; i++)
        {
            body[i] = (byte)"0123456789abcdefghijklmnopqrstuvwxyz stream endstream obj\n"[random.Next(57)];
        }
        return body[..Math.Max(size, 9)];
    }

    public async ValueTask DisposeAsync()
    {
        if (_handedOn)
        {
            return;
        }
        Client.Dispose();
        await App.StopAsync();
        await App.DisposeAsync();
        if (_postgresDatabase is not null)
        {
            NpgsqlConnection.ClearAllPools();
            await using var admin = new NpgsqlConnection(Environment.GetEnvironmentVariable(PostgresVariable));
            await admin.OpenAsync();
            await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS {_postgresDatabase} WITH (FORCE)", admin);
            await drop.ExecuteNonQueryAsync();
        }
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(DataDirectory, recursive: true);
        }
        catch (IOException)
        {
            // A file still held open only leaves a temporary folder behind.
        }
    }

    private static char RandomLetter() => "ABCDEFGHJKLMNPQRSTUVWXYZ"[Random.Shared.Next(24)];
}

/// <summary>Follows redirects inside the in-memory test server, keeping cookies.</summary>
internal sealed class RedirectHandler(HttpMessageHandler inner) : DelegatingHandler(inner)
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var response = await base.SendAsync(request, cancellationToken);
        for (var i = 0; i < 5 && (int)response.StatusCode is >= 301 and <= 303 && response.Headers.Location is { } location; i++)
        {
            var next = new HttpRequestMessage(HttpMethod.Get, location.IsAbsoluteUri ? location : new Uri(request.RequestUri!, location));
            response = await base.SendAsync(next, cancellationToken);
        }
        return response;
    }
}
