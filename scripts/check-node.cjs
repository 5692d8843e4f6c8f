// Plain CommonJS on purpose: it must run, and say one clear line, on a Node too old for the rest
// of the repository (which runs its TypeScript by Node's type stripping, 22.18 and later).
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 18)) {
  process.stderr.write(
    `Gatehouse needs Node.js 22.18 or later (24 LTS recommended); this is Node.js ${process.version}. ` +
      'Install a current LTS from https://nodejs.org and run the command again.\n',
  );
  process.exit(1);
}
