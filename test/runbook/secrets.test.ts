// biome-ignore-all lint/suspicious/noTemplateCurlyInString: runbooks write ${ENV} references in plain strings.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { findPlaceholderDsns, findSecrets, hasSecret, maskSecrets } from '../../src/runbook/secrets.ts';

describe('findSecrets', () => {
  it('says where the secret is, what found it, how to fix it and what to quote around it', () => {
    const text = 'psql "postgres://app:Sup3rS3cret@db.internal:5432/app"';
    const [hit, ...rest] = findSecrets(text);
    assert.equal(rest.length, 0);
    assert.equal(text.slice(hit!.start, hit!.end), 'Sup3rS3cret');
    assert.equal(hit!.kind, 'url-password');
    assert.match(hit!.hint, /\$\{DATABASE_URL\}/);
    assert.equal(
      text.slice(hit!.around.start, hit!.around.end),
      'postgres://app:Sup3rS3cret@db.internal:5432',
    );
  });

  it('returns hits in order and without overlaps', () => {
    const text = 'DATABASE_URL=postgres://u:pw1@db/app redis-cli -a pw2';
    const hits = findSecrets(text);
    assert.deepEqual(
      hits.map((hit) => text.slice(hit.start, hit.end)),
      ['pw1', 'pw2'],
    );
  });

  it('leaves the quotes of a quoted secret outside, so that masked JSON stays JSON', () => {
    assert.equal(
      maskSecrets('{"username":"admin","password":"hunter2"}'),
      '{"username":"admin","password":"****"}',
    );
    assert.equal(maskSecrets('redis-cli -a "hunter2" ping'), 'redis-cli -a "****" ping');
  });
});

describe('secrets the detectors find', () => {
  const cases: [string, string][] = [
    // The linter's historical cases.
    ['Grafana: http://localhost:3001 (admin/admin)', 'Grafana: http://localhost:3001 (admin/****)'],
    ['redis-cli -u redis://:pw123@cache:6379/0 ping', 'redis-cli -u redis://:****@cache:6379/0 ping'],
    ['curl -u admin:s3cret https://api', 'curl -u admin:**** https://api'],
    ['curl -H "api-key: 8f2b9c1d" https://qdrant', 'curl -H "api-key: ****" https://qdrant'],
    ['echo JWT_SECRET=s3cr3t-value >> .env', 'echo JWT_SECRET=**** >> .env'],
    // A password holding @ runs to the last @ of the authority, as URL parsers read it.
    ['postgres://u:p@ss@db:5432/app', 'postgres://u:****@db:5432/app'],
    // redis-cli AUTH, with and without a user name, and at the redis prompt.
    ['redis-cli -h h AUTH s3cretpw', 'redis-cli -h h AUTH ****'],
    ['redis-cli -h h -p 6380 AUTH user s3cretpw', 'redis-cli -h h -p 6380 AUTH user ****'],
    ['127.0.0.1:6379> AUTH s3cretpw', '127.0.0.1:6379> AUTH ****'],
    ['redis-cli \\\n  -a hunter2 ping', 'redis-cli \\\n  -a **** ping'],
    // mysql -pSECRET (attached: -p alone prompts).
    ['mysql -u root -pS3cret db', 'mysql -u root -p**** db'],
    ['mysqldump -uroot -p"S3cret" db > db.sql', 'mysqldump -uroot -p"****" db > db.sql'],
    ['MYSQL_PWD=S3cret mysql -u root', 'MYSQL_PWD=**** mysql -u root'],
    ['sshpass -p s3cret ssh -p 2222 host', 'sshpass -p **** ssh -p 2222 host'],
    [
      'docker login -u me -p s3cretpw registry.example.com',
      'docker login -u me -p **** registry.example.com',
    ],
    ['vault-cli --api-token s3cr3tT0ken get x', 'vault-cli --api-token **** get x'],
    // Label lines, in markdown or not, in English or French.
    ['**Password:** hunter2', '**Password:** ****'],
    ['Password: hunter2', 'Password: ****'],
    ['- **Password**: `hunter2`', '- **Password**: `****`'],
    ['mot de passe : hunter2', 'mot de passe : ****'],
    ['Mot de passe admin : hunter2', 'Mot de passe admin : ****'],
    ['POSTGRES_PASSWORD: s3cret', 'POSTGRES_PASSWORD: ****'],
    ['  password: changeme  # prod', '  password: ****  # prod'],
    // Credentials next to a login word or a default account.
    ['Grafana: admin / s3cret', 'Grafana: admin / ****'],
    ['login admin:admin', 'login admin:****'],
    ['Default credentials: deploy / Xy12', 'Default credentials: deploy / ****'],
    ['Login: ops/hunter2', 'Login: ops/****'],
    ['RabbitMQ console with guest:guest', 'RabbitMQ console with guest:****'],
    ['identifiants : admin / admin', 'identifiants : admin / ****'],
    ['user: admin / password: s3cret', 'user: admin / password: ****'],
    // Tokens in URLs.
    ['curl https://api.example.com/x?token=abc123def', 'curl https://api.example.com/x?token=****'],
    [
      'curl "https://api.example.com/x?a=1&api_key=abc123def"',
      'curl "https://api.example.com/x?a=1&api_key=****"',
    ],
    [
      'open https://app.example.com/#access_token=abc123def',
      'open https://app.example.com/#access_token=****',
    ],
    [
      'curl "https://maps.example.com/geo?key=AbC123xyz&sig=0a1b2c"',
      'curl "https://maps.example.com/geo?key=****&sig=****"',
    ],
    // Authorization headers, Basic included.
    [
      'curl -H "Authorization: Basic dXNlcjpwYXNzd29yZA==" https://api',
      'curl -H "Authorization: Basic ****" https://api',
    ],
    [
      "curl -H 'authorization: bearer eyJhbGciOiJIUzI1' https://api",
      "curl -H 'authorization: bearer ****' https://api",
    ],
    // Well-known token formats and private keys, wherever they are.
    ['export GH=ghp_abcdefghijklmnopqrstuvwxyz0123456789', 'export GH=****'],
    ['key id AKIAIOSFODNN7EXAMPLE', 'key id ****'],
    [
      'token eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U ok',
      'token **** ok',
    ],
    [
      '-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA\nabc\n-----END RSA PRIVATE KEY-----\nnext',
      '-----BEGIN RSA PRIVATE KEY-----\n****\n-----END RSA PRIVATE KEY-----\nnext',
    ],
  ];
  for (const [text, masked] of cases) {
    it(`masks ${JSON.stringify(text)}`, () => {
      assert.equal(maskSecrets(text), masked);
      assert.ok(hasSecret(text));
    });
  }
});

describe('look-alikes the detectors leave alone', () => {
  const texts = [
    // References and placeholders.
    'docker exec sylion-redis redis-cli -a "$REDIS_PASSWORD" ping',
    'curl -H "Authorization: Bearer $GROQ_API_KEY" https://api.groq.com',
    'curl -H "api-key: ${QDRANT_API_KEY}" https://qdrant',
    'curl -u $ADMIN_USERNAME:$ADMIN_PASSWORD -X POST https://api.example.com/admin/ingest',
    'psql "postgres://app:${POSTGRES_PASSWORD}@db:5432/app"',
    'JWT_SECRET=$(openssl rand -hex 32)',
    'echo JWT_SECRET=<new_secret> >> .env',
    'redis-cli -u rediss://default:PASSWORD@HOST:6379 ping',
    'password: ""',
    'token: {{ .Values.token }}',
    // Look-alikes.
    'docker exec -u 1000:1000 app ls',
    'docker exec -u postgres:postgres db psql',
    'curl -d max_tokens=500 https://api.example.com',
    'VERIFY_TOKEN=true ./run.sh',
    'Step mode (read/write) flips',
    'Check for secrets written in clear',
    'Backend logs: `FATAL: password authentication failed`',
    'Password: see the vault entry prod-db',
    '- **Password**: stored in 1Password',
    'POSTGRES_PASSWORD_FILE=/run/secrets/db_password',
    'POSTGRES_HOST_AUTH_METHOD=trust',
    'TOKENIZER=gpt2 python run.py',
    '"NextToken": "eyJhbGciOi"',
    'permissions: { id-token: write }',
    'docker build --secret id=npm,src=.npmrc .',
    'echo "$PW" | docker login -u me --password-stdin',
    'psql --password mydb',
    'mysql -u root -p db',
    'chown -R postgres:postgres /var/lib/postgresql',
    'image: postgres:15-alpine',
    'docker pull grafana/grafana:latest',
    'connect to redis:6379 then postgres:5432',
    'ls /home/user/app && cd test/demo',
    'root:x:0:0:root:/root:/bin/bash',
    'meet at 10:30 for the login review',
    'the copies of /etc/passwd and /etc/group',
    'redis-cli GET auth',
    'use redis-cli AUTH then type the password',
    'https://host:8080?email=a@b.c',
    'token: https://docs.example.com/tokens',
    'PWD=/home/app ./run.sh',
  ];
  for (const text of texts) {
    it(`leaves ${JSON.stringify(text)}`, () => {
      assert.deepEqual(findSecrets(text), []);
      assert.equal(hasSecret(text), false);
      assert.equal(maskSecrets(text), text);
    });
  }
});

describe('maskSecrets with known values', () => {
  it('masks each value wherever it appears, inside words too, and what the detectors find', () => {
    assert.equal(
      maskSecrets('auth failed for hunter22 (xhunter22x) redis-cli -a other', ['hunter22']),
      'auth failed for **** (x****x) redis-cli -a ****',
    );
  });

  it('hides a value containing another one whole, whatever the order', () => {
    const text = 'token abcdef-123 then abcdef';
    assert.equal(maskSecrets(text, ['abcdef', 'abcdef-123']), 'token **** then ****');
    assert.equal(maskSecrets(text, ['abcdef-123', 'abcdef']), 'token **** then ****');
    // Overlapping occurrences merge into one mask.
    assert.equal(maskSecrets('xyzxyzxyz', ['xyzxyz']), '****');
  });

  it('masks the URL-encoded form of a value, as it appears in a connection string', () => {
    assert.equal(
      maskSecrets('dial postgres://u:p%40ss!@db failed', ['p@ss!']),
      'dial postgres://u:****@db failed',
    );
  });

  it('ignores empty values and values of one or two letters or digits, but not short punctuation', () => {
    const text = 'on a 42 line: #! done';
    assert.equal(maskSecrets(text, ['', 'a', '42', 'on']), text);
    assert.equal(maskSecrets(text, ['#!']), 'on a 42 line: **** done');
    assert.equal(maskSecrets('the key abc is set', ['abc']), 'the key **** is set');
  });
});

describe('findPlaceholderDsns', () => {
  it('returns the URLs whose password waits to be filled in, and only those', () => {
    const text = 'redis-cli -u rediss://default:PASSWORD@HOST:6379 ping; psql postgres://a:s3cret@db/app';
    const found = findPlaceholderDsns(text);
    assert.deepEqual(
      found.map(({ start, end }) => text.slice(start, end)),
      ['rediss://default:PASSWORD@HOST:6379'],
    );
  });
});

describe('adversarial input', () => {
  // Each of these took seconds to minutes with unbounded patterns; they must simply finish. No timing is
  // asserted, so a slow machine cannot fail the test: a pattern that backtracks again hangs it visibly.
  const SIZE = 200_000;
  const run = (unit: string) => unit.repeat(Math.ceil(SIZE / unit.length)).slice(0, SIZE);
  const units = [
    'password',
    '_password',
    'password=',
    'password:',
    'password: ',
    '"password":"',
    ':',
    '@',
    '/',
    'a=',
    'a:',
    '1:',
    'a:a@',
    'x://a:',
    'x://a:b@',
    'x-api-key:',
    'login admin:',
    'admin:',
    'admin / ',
    'a/a ',
    '(admin/',
    '"',
    "'",
    '`',
    '\\\n',
    '-u a:',
    'redis-cli ',
    'redis-cli AUTH ',
    ':6379> AUTH ',
    'mysql -p',
    'sshpass -p ',
    'docker login -p ',
    '--password ',
    'Authorization: ',
    'mot de passe :',
    '&token=a',
    'eyJa.',
    'sk-a',
    '-----BEGIN PRIVATE KEY-----',
    '*_`',
  ];
  for (const unit of units) {
    it(`finishes on 200 KB of ${JSON.stringify(unit)}`, () => {
      const text = run(unit);
      assert.ok(Array.isArray(findSecrets(text)));
      assert.equal(typeof maskSecrets(text, ['password', 'aa']), 'string');
    });
  }

  it('finishes on long values with no end in sight', () => {
    const long = 'a'.repeat(SIZE);
    for (const text of [
      `password: ${long} b`,
      `x://u:${long}`,
      `admin:${long}:`,
      `eyJ${long}`,
      `-----BEGIN PRIVATE KEY-----${long}`,
      `redis-cli ${' -a'.repeat(SIZE / 3)}`,
      `${'password'.repeat(SIZE / 8)}=x`,
    ]) {
      assert.ok(Array.isArray(findSecrets(text)));
    }
  });
});
