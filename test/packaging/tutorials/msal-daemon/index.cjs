// The MSAL Node daemon tutorial's `node . --op getToDos` (App/index.js and App/fetch.js, which the tutorial's text names but
// does not show): get a token with auth.cjs, call the API with it as a bearer token, print the
// API's status and body as one JSON line (never the token). `--op postToDo` posts one to-do.
const { getToken, tokenRequest } = require('./auth.cjs');

async function main() {
  const op = process.argv[process.argv.indexOf('--op') + 1];
  const authResponse = await getToken(tokenRequest);
  const response = await fetch(process.env.API_URL, {
    method: op === 'postToDo' ? 'POST' : 'GET',
    headers: {
      Authorization: `Bearer ${authResponse.accessToken}`,
      'Content-Type': 'application/json',
    },
    body: op === 'postToDo' ? JSON.stringify({ description: 'from the daemon' }) : undefined,
  });
  console.log(
    JSON.stringify({
      status: response.status,
      body: await response.text(),
      tokenType: authResponse.tokenType,
    }),
  );
}

main().catch((error) => {
  console.log(
    JSON.stringify({ error: error.errorCode || error.name, message: String(error.message).split('\n')[0] }),
  );
  process.exitCode = 1;
});
