return await Kaitiaki.Cli.KaitiakiCli.RunAsync(args);
