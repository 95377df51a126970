using HeadlessSidecar.Commands;

return await SidecarCommands.RunAsync(args);
