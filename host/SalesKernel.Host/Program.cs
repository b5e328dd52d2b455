using SalesKernel.Core.Hosting;

// the command line first: --help and a usage error are answered without starting anything
var cli = KernelCli.Parse(args);
if (cli.Answer(Console.Out, Console.Error) is { } answered) return answered;

var builder = WebApplication.CreateBuilder(cli.HostArguments);
cli.ConfigureLogging(builder.Logging);
try
{
    builder.AddSalesKernel();
    builder.Services.AddEndpointsApiExplorer();
    builder.Services.AddSwaggerGen(options =>
    {
        options.SwaggerDoc("v1", new() { Title = "SalesKernel API", Version = "v1" });
        options.CustomSchemaIds(type => type.FullName?.Replace('+', '.'));
    });

    var app = builder.Build();
    app.UseSwagger();
    app.UseSwaggerUI(options => options.SwaggerEndpoint("/swagger/v1/swagger.json", "SalesKernel API v1"));
    app.UseSalesKernel();
    // a command, or the web server until it stops
    return await cli.RunAsync(app, Console.Out);
}
catch (KernelStartException e)
{
    // an unknown provider, a database that cannot be reached, a port already taken: one sentence, not a stack trace
    Console.Error.WriteLine(e.Message);
    return 1;
}

/// <summary>The host's entry point; public so tests can start it in-process.</summary>
public partial class Program;
