using HeadlessSidecar.Commands;
using HeadlessSidecar.Hosting;

// Before any socket exists: the runtime reads this once.
SocketScheduling.PreferInline();
BufferPoolSizing.Apply();
StrictHttpParsing.Apply();
return await SidecarCommands.RunAsync(args);
