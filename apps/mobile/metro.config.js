// Metro for a workspace app: @rosin/contracts is TypeScript source in ../../packages, so Metro watches the
// repository root and resolves packages from both node_modules folders; expo-sqlite's web worker needs .wasm.
const path = require('node:path');
const { getDefaultConfig } = require('expo/metro-config');

const projectRoot = __dirname;
const workspaceRoot = path.resolve(projectRoot, '../..');

const config = getDefaultConfig(projectRoot);

config.watchFolders = [workspaceRoot];
config.resolver.nodeModulesPaths = [
  path.resolve(projectRoot, 'node_modules'),
  path.resolve(workspaceRoot, 'node_modules'),
];
config.resolver.assetExts = [...config.resolver.assetExts, 'wasm'];
// Keep Metro away from build output, test artifacts and the server's data.
config.resolver.blockList = [
  /apps[\\/]mobile[\\/]dist[\\/].*/,
  /apps[\\/]mobile[\\/]e2e[\\/].*/,
  /[\\/]data[\\/].*/,
];

// expo-sqlite on web needs SharedArrayBuffer, i.e. a cross-origin isolated page (the API server sends the same
// headers for the exported build).
config.server.enhanceMiddleware = (middleware) => (req, res, next) => {
  res.setHeader('Cross-Origin-Embedder-Policy', 'require-corp');
  res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
  return middleware(req, res, next);
};

module.exports = config;
