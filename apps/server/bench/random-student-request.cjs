// autocannon request hook for bench:analytics. Plain CommonJS because autocannon `require`s it inside its worker
// thread, where TypeScript is not compiled. Each request goes out as a random student of the token file.
const { readFileSync } = process.getBuiltinModule('node:fs');

const tokens = JSON.parse(readFileSync(process.env.ROSIN_BENCH_TOKENS_FILE, 'utf8'));

module.exports = (request) => ({
  ...request,
  headers: {
    ...request.headers,
    authorization: `Bearer ${tokens[Math.floor(Math.random() * tokens.length)]}`,
  },
});
