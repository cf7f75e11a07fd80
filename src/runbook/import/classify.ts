/**
 * Step classification: what executor a runbook step needs (`kind`) and how much harm it can do
 * (`risk`, which decides the gate it must pass; see DESIGN.md). The step text is first cut into
 * pieces, each in one language (a shell command after its `sudo` / `docker exec` / `xargs` wrappers
 * are peeled off, one SQL statement, one Redis command, one HTTP request, a line of code, prose),
 * then the ordered rule tables below are matched against the pieces. The rules are data: adding a
 * tool means adding a row, and a rule for one language never fires on another (`grep "DELETE"`
 * is a grep, not a DELETE).
 *
 * Risk is decided by the most harmful rule that matches any piece. When none matches, the step is
 * `read` only if every piece is known to observe (a read rule matches it); anything Vigie cannot
 * see into (a script, an unknown program) is `write`, because read steps run without asking.
 * Last, a safety net reads the raw text: a `read` or `write` step that names a data-destroying verb
 * as a command (FLUSHALL, DELETE FROM, `rm`, …) becomes `destructive`, whatever the pieces said.
 *
 * The tokenizing (shell words, SQL statements) is in shell.ts; this file is the tables and the
 * decision. No pattern here may backtrack super-linearly: steps come from untrusted documents.
 */
import type { Risk, StepKind } from '../schema.ts';
import { type Command, parseShell, skipOptions, splitCommands, splitSql, sqlEnd } from './shell.ts';

/** Classification is a step's executor, its risk, and the rule that decided the risk. */
export interface Classification {
  kind: StepKind;
  risk: Risk;
  /** Short: the rule that decided the risk, e.g. "FLUSHDB deletes every key". */
  reason: string;
}

/** The language a piece of a step is written in; each rule applies to some of them. */
type Scope = 'shell' | 'sql' | 'redis' | 'http' | 'code' | 'config' | 'prose';

interface Piece {
  readonly scope: Scope;
  /** Normalised text: a shell command's unwrapped words, one SQL statement, `METHOD url`, … */
  readonly text: string;
}

interface RiskRule {
  readonly risk: Exclude<Risk, 'read'>;
  readonly in: readonly Scope[];
  readonly pattern: RegExp;
  /** An exception the pattern cannot say simply (a worker restart inside "any restart"). */
  readonly unless?: RegExp;
  readonly reason: string;
}

/** What a read rule tests: a RegExp, or a function where a pattern would backtrack. */
interface Matcher {
  test(text: string): boolean;
}

interface ReadRule {
  readonly in: readonly Scope[];
  readonly pattern: Matcher;
  readonly reason: string;
}

/** Stands in a shell command for a payload (the SQL of `psql -c`) that became a piece of its own. */
const PAYLOAD = '\uE000';

// Scripts and task-runner targets are judged by their name: `./scripts/restore_postgres.sh`,
// `make deploy`, `npm run queue:purge`, `python scripts/cleanup_vectors.py`.
const RUNNER = String.raw`(?:(?:make|just|task|rake|invoke|npm run(?:-script)?|yarn(?: run)?|pnpm(?: run)?|bun run|deno task|python3?|node|bash|sh|zsh|ruby|perl|php|tsx|ts-node)(?:\s+-\S+)*\s+)?`;
const nameHas = (part: string): RegExp => new RegExp(String.raw`^${RUNNER}\S*?(?:${part})`, 'i');
const nameWord = (part: string): RegExp =>
  new RegExp(String.raw`^${RUNNER}(?:\S*[-_.:/])?(?:${part})(?=[-_.:]|\s|$)`, 'i');

// A DELETE whose path names a store (Qdrant `/collections/x`, Elasticsearch on :9200, a bucket, a
// RabbitMQ queue) deletes that store and everything in it; `DELETE /sessions/1` stays a write.
const HTTP_DELETES_STORE =
  /^DELETE\s+(?:\S*\/(?:collections?|indices|indexes|index|buckets?|databases?|dbs?|queues?|topics?|tables?|keyspaces?|streams?|volumes?|snapshots?|backups?|_all)(?:[/?#]|$)|\S*:9200(?:[/?#]|$))/i;

// Restarting only workers is reversible (jobs are retried); any other restart may interrupt service.
// A worker name is tested by a lookahead (atomic in JavaScript) and cannot start with `-`, so that no
// word can be read two ways: the pattern stays linear on a long line of `workerworker…`.
const WORKERS_ONLY = String.raw`(?:\s+-\S+(?:\s+\d+)?)*(?:\s+(?!-)(?=\S*worker)\S+)+$`;
const RESTART_WORKERS = new RegExp(
  String.raw`^(?:docker compose restart|docker (?:container )?restart|systemctl(?:\s+-\S+)* restart|supervisorctl restart)${WORKERS_ONLY}|^service (?=\S*worker)\S+ restart$`,
);

// Accented letters as written, and as the mojibake of UTF-8 read as cp1252 (Ã©) or Mac Roman (√©).
const E = '(?:[eéèêë]|Ã©|Ã¨|Ãª|√©|√®|√™)';
const A = '(?:[aàâ]|Ã |Ã¢|√†|√¢)';

/**
 * RISK_RULES is the ordered risk table: destructive rules, then dangerous, then write. The first rule
 * that matches a piece gives that piece's risk, and the most harmful piece gives the step's.
 */
const RISK_RULES: readonly RiskRule[] = [
  // ── destructive: loses data ────────────────────────────────────────────────────────────────────
  {
    risk: 'destructive',
    in: ['redis'],
    pattern: /^FLUSHDB\b/i,
    reason: 'FLUSHDB deletes every key in the database',
  },
  {
    risk: 'destructive',
    in: ['redis'],
    pattern: /^FLUSHALL\b/i,
    reason: 'FLUSHALL deletes every key in every database',
  },
  {
    risk: 'destructive',
    in: ['redis'],
    pattern: /^(?:DEL|UNLINK)\b/i,
    reason: 'DEL deletes keys (a queue is a key)',
  },
  {
    risk: 'destructive',
    in: ['redis'],
    pattern:
      /^(?:GETDEL|HDEL|SREM|ZREM|ZREMRANGEBY\w+|LREM|LTRIM|XDEL|XTRIM|[LR]POP|B[LR]POP|LMPOP|BLMPOP|SPOP|B?ZPOP(?:MIN|MAX)|RPOPLPUSH|LMOVE|BLMOVE|XGROUP\s+DESTROY|SCRIPT\s+FLUSH|FUNCTION\s+(?:FLUSH|DELETE))\b/i,
    reason: 'the command removes data from a key',
  },
  {
    risk: 'destructive',
    in: ['redis'],
    pattern: /^EVAL(?:SHA)?\b.*\b(?:del|unlink|flushdb|flushall)\b/i,
    reason: 'the script deletes keys',
  },
  {
    risk: 'destructive',
    in: ['sql'],
    pattern: /^DELETE\b|\bDELETE\s+FROM\b/i,
    reason: 'DELETE removes rows',
  },
  { risk: 'destructive', in: ['sql'], pattern: /\bTRUNCATE\b/i, reason: 'TRUNCATE empties tables' },
  {
    risk: 'destructive',
    in: ['sql'],
    pattern: /\bDROP\s+(?:TABLE|DATABASE|SCHEMA|COLUMN|OWNED|SEQUENCE|MATERIALIZED\s+VIEW)\b/i,
    reason: 'DROP TABLE/DATABASE/SCHEMA deletes data',
  },
  {
    risk: 'destructive',
    in: ['sql'],
    pattern: /^ALTER\s+TABLE\b.*\bDROP\s+(?!CONSTRAINT|DEFAULT|NOT\s+NULL|IDENTITY|EXPRESSION)\w/is,
    reason: 'ALTER TABLE … DROP deletes a column and its data',
  },
  {
    risk: 'destructive',
    in: ['sql', 'code'],
    pattern: /\b(?:lo_unlink|pg_drop_replication_slot)\s*\(/i,
    reason: 'the function deletes data',
  },
  {
    risk: 'destructive',
    in: ['sql'],
    pattern: /^\\lo_unlink\b/,
    reason: '\\lo_unlink deletes a large object',
  },
  {
    risk: 'destructive',
    in: ['sql'],
    pattern: /^\\ir?\s+\S*(?:backup|dump|restore)/i,
    reason: 'running a dump restores it over the database',
  },
  {
    risk: 'destructive',
    in: ['code'],
    pattern: /\bdelete\s+from\b|\btruncate\s+table\b|\bdrop\s+(?:table|database|schema)\b/i,
    reason: 'the code runs SQL that deletes data',
  },
  {
    risk: 'destructive',
    in: ['code'],
    pattern:
      /\.(?:delete\w*|unlink|flushdb|flushall|flush_all|purge|obliterate|drain|truncate|drop\w*|rmtree|remove_all)\s*\(|\b(?:os\.remove|os\.unlink|shutil\.rmtree)\s*\(/,
    reason: 'the code deletes data',
  },
  {
    risk: 'destructive',
    in: ['shell'],
    pattern: /^(?:rm|unlink)(?:\s|$)/,
    reason: 'rm and unlink delete files',
  },
  {
    risk: 'destructive',
    in: ['shell'],
    pattern: /^find\s.*\s-delete\b/,
    reason: 'find -delete deletes files',
  },
  {
    risk: 'destructive',
    in: ['shell'],
    pattern: /^find\s.*\s-(?:exec|execdir|ok|okdir)\s+(?:\S*\/)?(?:rm|unlink|shred|truncate)\b/,
    reason: 'find -exec rm deletes files',
  },
  { risk: 'destructive', in: ['shell'], pattern: /^truncate(?:\s|$)/, reason: 'truncate empties files' },
  {
    risk: 'destructive',
    in: ['shell'],
    pattern: /^(?:>|:\s+>|true\s+>|cat \/dev\/null >)\s+\S/,
    reason: '`> file` empties the file',
  },
  {
    risk: 'destructive',
    in: ['shell'],
    pattern: /^journalctl\s.*--vacuum-/,
    reason: 'journalctl --vacuum deletes old logs',
  },
  {
    risk: 'destructive',
    in: ['shell'],
    pattern: /^docker system prune\b.*\s--volumes\b/,
    reason: 'prune --volumes deletes volumes and their data',
  },
  {
    risk: 'destructive',
    in: ['shell'],
    pattern: /^docker volume (?:rm|remove|prune)\b/,
    reason: 'removing Docker volumes deletes their data',
  },
  {
    risk: 'destructive',
    in: ['shell'],
    pattern: /^docker compose (?:down|rm)\b.*\s(?:-[a-uw-zA-Z]*v[a-zA-Z]*|--volumes)\b/,
    reason: "down -v deletes the project's volumes",
  },
  {
    risk: 'destructive',
    in: ['shell'],
    pattern: /^docker (?:container )?rm\b.*\s(?:-[a-uw-z]*v[a-z]*|--volumes)\b/,
    reason: "rm -v deletes the container's volumes",
  },
  {
    risk: 'destructive',
    in: ['shell'],
    pattern: /^celery\b.*\s(?:purge|amqp\s+queue\.purge)\b/,
    reason: 'celery purge deletes every waiting task',
  },
  {
    risk: 'destructive',
    in: ['shell'],
    pattern: /^rq\s+empty\b/,
    reason: 'rq empty deletes every queued job',
  },
  {
    risk: 'destructive',
    in: ['shell'],
    pattern: /^rabbitmqctl\b.*\s(?:purge_queue|delete_queue|reset|force_reset)\b/,
    reason: 'the command purges RabbitMQ queues',
  },
  {
    risk: 'destructive',
    in: ['shell'],
    pattern: /^(?:psql|mysql|mariadb)\b(?!.*\s(?:-c|--command|-e|--execute)(?:[= ]|$)).*\s<(?!<)/,
    reason: 'feeding a dump to the client restores it over the database',
  },
  {
    risk: 'destructive',
    in: ['shell'],
    pattern: /^(?:psql|mysql|mariadb)\b.*\s(?:-f|--file)[= ]?\S*(?:backup|dump|restore)/i,
    reason: 'running a dump restores it over the database',
  },
  {
    risk: 'destructive',
    in: ['shell'],
    pattern: /^pg_restore\b.*\s(?:-c|--clean)\b/,
    reason: 'pg_restore --clean drops objects before restoring',
  },
  {
    risk: 'destructive',
    in: ['shell'],
    pattern: /^(?:mongorestore|dropdb)\b/,
    reason: 'the command replaces or drops a database',
  },
  {
    risk: 'destructive',
    in: ['shell'],
    pattern: /^(?:flask db\s+)?alembic\s+(?:\S+\s+)*downgrade\b|^flask db downgrade\b/,
    reason: 'alembic downgrade reverts migrations and drops their data',
  },
  {
    risk: 'destructive',
    in: ['shell'],
    pattern:
      /^(?:prisma migrate reset|rails db:(?:drop|reset|schema:load)|rake db:(?:drop|reset))\b|\smigrate:(?:reset|fresh|rollback)\b|\s--accept-data-loss\b/,
    reason: 'the command resets or rolls back the database schema',
  },
  {
    risk: 'destructive',
    in: ['shell'],
    pattern: /^git\s+(?:reset\s+(?:\S+\s+)*--hard|clean\s+(?:\S+\s+)*-[a-zA-Z]*f)/,
    reason: 'the command discards uncommitted files',
  },
  {
    risk: 'destructive',
    in: ['shell'],
    pattern:
      /^(?:kubectl\s+delete|helm\s+(?:uninstall|delete)|terraform\s+(?:destroy|apply\b.*\s-destroy))\b/,
    reason: 'the command deletes infrastructure and its data',
  },
  {
    risk: 'destructive',
    in: ['shell'],
    pattern: /^(?:aws s3 (?:rm|rb)|mc (?:rm|rb)|gsutil (?:-m )?(?:rm|rb)|s3cmd (?:del|rm|rb))\b/,
    reason: 'the command deletes stored objects',
  },
  {
    risk: 'destructive',
    in: ['http'],
    pattern: HTTP_DELETES_STORE,
    reason: 'the request deletes a collection, index, bucket or queue',
  },
  {
    risk: 'destructive',
    in: ['http'],
    pattern:
      /^(?:POST|PUT|PATCH|DELETE)\s+\S*\/(?:_delete_by_query|delete|purge|flush|truncate|drop|wipe|obliterate)(?:[/?#]|$)/i,
    reason: 'the request deletes stored data',
  },
  {
    risk: 'destructive',
    in: ['shell'],
    pattern: /^(?:shred|wipefs|mkfs(?:\.\w+)?)\b|^dd\b.*\sof=/,
    reason: 'the command overwrites a disk or file',
  },
  {
    risk: 'destructive',
    in: ['shell'],
    pattern: nameHas('restore|restaur'),
    unless: /^pg_restore\b/,
    reason: 'restoring a backup overwrites newer data',
  },
  {
    risk: 'destructive',
    in: ['shell'],
    pattern: nameHas(
      'purge|obliterate|drain|flush|wipe|truncate|destroy|delete|cleanup|clean-up|clean_up|nuke|downgrade|dropdb|drop-db|drop_db|reset-db|reset_db|db:reset',
    ),
    reason: "the script's name says it deletes data",
  },

  // ── dangerous: may interrupt service ───────────────────────────────────────────────────────────
  {
    risk: 'dangerous',
    in: ['sql', 'code'],
    pattern: /\bpg_terminate_backend\s*\(/i,
    reason: 'pg_terminate_backend kills database sessions',
  },
  {
    risk: 'dangerous',
    in: ['sql', 'code'],
    pattern: /\bpg_cancel_backend\s*\(/i,
    reason: 'pg_cancel_backend cancels running queries',
  },
  {
    risk: 'dangerous',
    in: ['sql'],
    pattern: /^VACUUM(?:\s*\([^)]*\bFULL\b|\s+FULL\b)/i,
    reason: 'VACUUM FULL locks tables while it rewrites them',
  },
  { risk: 'dangerous', in: ['sql'], pattern: /^(?:CLUSTER|LOCK)\b/i, reason: 'the statement locks tables' },
  {
    risk: 'dangerous',
    in: ['sql'],
    pattern: /\bDROP\s+\w/i,
    reason: 'DROP removes an object the service may use',
  },
  { risk: 'dangerous', in: ['redis'], pattern: /^SHUTDOWN\b/i, reason: 'SHUTDOWN stops Redis' },
  {
    risk: 'dangerous',
    in: ['redis'],
    pattern:
      /^(?:CLIENT\s+(?:KILL|PAUSE)|DEBUG|REPLICAOF|SLAVEOF|FAILOVER|CLUSTER\s+(?:FAILOVER|RESET|FORGET)|SWAPDB|MIGRATE|MOVE)\b/i,
    reason: 'the command disconnects clients or moves data',
  },
  {
    risk: 'dangerous',
    in: ['shell'],
    pattern: /^(?:kill|pkill|killall)\b/,
    unless: /^(?:kill|pkill|killall)\s+(?:-s\s+)?-?(?:SIG)?(?:HUP|USR1|USR2|1|0)\b/,
    reason: 'kill stops processes',
  },
  {
    risk: 'dangerous',
    in: ['shell'],
    pattern:
      /^(?:reboot|shutdown|poweroff|halt)\b|^init\s+[06]\b|^systemctl\s+(?:-\S+\s+)*(?:reboot|poweroff|halt|kexec)\b/,
    reason: 'rebooting stops every service',
  },
  {
    risk: 'dangerous',
    in: ['shell'],
    pattern:
      /^systemctl\s+(?:-\S+\s+)*(?:restart|stop|kill|try-restart|reload-or-restart|condrestart|disable|mask|isolate)\b|^service\s+\S+\s+(?:restart|stop|force-reload)\b|^supervisorctl\s+(?:restart|stop)\b/,
    unless: RESTART_WORKERS,
    reason: 'restarting or stopping a service interrupts it',
  },
  {
    risk: 'dangerous',
    in: ['shell'],
    pattern: /^docker compose down\b/,
    reason: 'docker compose down stops every service',
  },
  {
    risk: 'dangerous',
    in: ['shell'],
    pattern: /^docker compose (?:restart|stop|kill|pause|rm)\b/,
    unless: RESTART_WORKERS,
    reason: 'restarting or stopping services interrupts them',
  },
  {
    risk: 'dangerous',
    in: ['shell'],
    pattern:
      /^docker compose up\b.*\s(?:--build|--force-recreate|--renew-anon-volumes|-V|--always-recreate-deps)\b/,
    reason: 'up --build rebuilds and recreates containers',
  },
  {
    risk: 'dangerous',
    in: ['shell'],
    pattern: /^docker (?:container )?(?:restart|stop|kill|pause|rm)\b/,
    unless: RESTART_WORKERS,
    reason: 'restarting or stopping a container interrupts it',
  },
  {
    risk: 'dangerous',
    in: ['shell'],
    pattern: /^docker (?:system|container) prune\b/,
    reason: 'prune removes stopped containers and unused images',
  },
  {
    risk: 'dangerous',
    in: ['shell'],
    pattern: /^docker (?:network (?:rm|disconnect)|swarm leave|service rm|stack rm)\b/,
    reason: 'the command takes services off the network',
  },
  {
    risk: 'dangerous',
    in: ['shell'],
    pattern:
      /^ufw\s+(?!status\b|show\b|app\s+(?:list|info)\b|version\b|--version\b)\S|^(?:iptables|ip6tables|nft|firewall-cmd)\b/,
    unless:
      /^(?:ip6?tables\s+(?:-t\s+\S+\s+)?(?:-[Lnv]+|-S|--list)\b|nft\s+list\b|firewall-cmd\s+(?:--list|--state|--get|--query))/,
    reason: 'a firewall change may cut traffic',
  },
  {
    risk: 'dangerous',
    in: ['shell'],
    pattern: /^nginx\s+-s\s+(?:stop|quit)\b/,
    reason: 'the command stops nginx',
  },
  {
    risk: 'dangerous',
    in: ['shell'],
    pattern: /^pg_ctl(?:cluster)?\b.*\s(?:stop|restart|kill|promote)\b/,
    reason: 'the command restarts or stops PostgreSQL',
  },
  {
    risk: 'dangerous',
    in: ['shell'],
    pattern: /^vacuumdb\b.*\s(?:-f|--full)\b/,
    reason: 'VACUUM FULL locks tables while it rewrites them',
  },
  {
    risk: 'dangerous',
    in: ['shell'],
    pattern: /^celery\b.*\s(?:control\s+)?shutdown\b/,
    reason: 'the command shuts Celery workers down',
  },
  {
    risk: 'dangerous',
    in: ['shell'],
    pattern: /^kubectl\s+(?:drain|cordon|rollout\s+(?:undo|restart))\b|^kubectl\s+scale\b.*--replicas[= ]0\b/,
    reason: 'the command evicts or restarts workloads',
  },
  {
    risk: 'dangerous',
    in: ['shell'],
    pattern:
      /^(?:helm\s+rollback|fly(?:ctl)?\s+(?:deploy|apps\s+restart|machines?\s+(?:restart|stop))|heroku\s+(?:rollback|restart|ps:restart|releases:rollback)|vercel\s+(?:rollback|--prod)|render\s+deploys?\b|railway\s+(?:up|redeploy))\b/,
    reason: 'rolling back or redeploying interrupts the service',
  },
  {
    risk: 'dangerous',
    in: ['shell'],
    pattern: /^git\s+push\b.*\s(?:-f|--force\S*)(?:\s|$)/,
    reason: 'git push --force rewrites published history',
  },
  {
    risk: 'dangerous',
    in: ['shell'],
    pattern: /^certbot\s+(?:revoke|delete)\b/,
    reason: 'the command revokes or deletes certificates',
  },
  {
    risk: 'dangerous',
    in: ['shell'],
    pattern: nameHas('deploy|rollback|roll-back|roll_back|restart|reboot|shutdown|failover'),
    reason: "the script's name says it deploys, rolls back or restarts",
  },
  {
    risk: 'dangerous',
    in: ['shell'],
    pattern: nameWord('stop|down|kill'),
    unless: /^(?:kill|pkill|killall)\b/,
    reason: "the script's name says it stops services",
  },
  {
    risk: 'dangerous',
    in: ['http'],
    pattern: /^(?:POST|PUT|PATCH)\s+\S*(?:deploy|rollback|restart|reboot)/i,
    reason: 'the request triggers a deploy or restart',
  },

  // ── write: reversible change ───────────────────────────────────────────────────────────────────
  {
    risk: 'write',
    in: ['redis'],
    pattern: /^MEMORY\s+PURGE\b/i,
    reason: 'MEMORY PURGE only releases allocator memory',
  },
  {
    risk: 'write',
    in: ['sql'],
    pattern: /^(?:VACUUM|ANALY[SZ]E)\b/i,
    reason: 'VACUUM/ANALYZE only maintains tables',
  },
  {
    risk: 'write',
    in: ['sql'],
    pattern: /\bUPDATE\s+(?:ONLY\s+)?[\w."]+(?:\s+(?:AS\s+)?\w+)?\s+SET\b/i,
    reason: 'UPDATE changes rows',
  },
  {
    risk: 'write',
    in: ['sql'],
    pattern: /\bINSERT\s+INTO\b|^(?:MERGE|COPY\b.*\bFROM)\b/i,
    reason: 'INSERT adds rows',
  },
  {
    risk: 'write',
    in: ['sql'],
    pattern: /\bFOR\s+(?:NO\s+KEY\s+)?(?:UPDATE|SHARE)\b/i,
    reason: 'the query locks rows',
  },
  {
    risk: 'write',
    in: ['sql'],
    pattern: /\\gexec\b/,
    reason: '\\gexec runs each result as a statement',
  },
  {
    risk: 'write',
    in: ['sql'],
    pattern: /\b(?:pg_reload_conf|setval|nextval|pg_advisory_lock)\s*\(/i,
    reason: 'the function changes server state',
  },
  {
    risk: 'write',
    in: ['http'],
    pattern: /^(?:POST|PUT|PATCH|DELETE)\b/i,
    reason: 'a POST/PUT/PATCH/DELETE request changes server state',
  },
  {
    risk: 'write',
    in: ['shell'],
    pattern: /^(?:kill|pkill|killall)\s+(?:-s\s+)?-?(?:SIG)?(?:HUP|USR1|USR2|1)\b/,
    reason: 'kill -HUP asks the process to reload',
  },
  { risk: 'write', in: ['shell'], pattern: RESTART_WORKERS, reason: 'restarting a worker is reversible' },
  {
    risk: 'write',
    in: ['shell'],
    pattern: /^docker compose up\b.*\s--scale\b/,
    reason: 'scaling workers is reversible',
  },
  {
    risk: 'write',
    in: ['shell'],
    pattern: /^docker compose (?:up|start|create|pull|build|run|exec)\b/,
    reason: 'docker compose up starts or updates containers',
  },
  {
    risk: 'write',
    in: ['shell'],
    pattern:
      /^docker (?:start|pull|build|rmi|tag|push|update|image (?:prune|rm)|builder prune|network create|volume create|container start)\b/,
    reason: 'the command changes Docker images or containers',
  },
  {
    risk: 'write',
    in: ['shell'],
    pattern:
      /^systemctl\s+(?:-\S+\s+)*(?:reload|start|enable|daemon-reload|reset-failed)\b|^service\s+\S+\s+(?:reload|start)\b|^nginx\s+-s\s+(?:reload|reopen)\b|^pg_ctl\b.*\sreload\b/,
    reason: 'reloading or starting a service is reversible',
  },
  {
    risk: 'write',
    in: ['shell'],
    pattern:
      /^(?:alembic\s+(?:\S+\s+)*(?:upgrade|stamp)|flask db upgrade|(?:python3?\s+)?(?:\S*\/)?manage\.py\s+migrate|(?:rails|rake) db:migrate|prisma migrate|knex migrate|sequelize db:migrate)\b/,
    reason: 'the command applies database migrations',
  },
  {
    risk: 'write',
    in: ['shell'],
    pattern: nameHas('migrat'),
    reason: 'the command applies database migrations',
  },
  {
    risk: 'write',
    in: ['shell'],
    pattern: /^pg_dump(?:all)?\b|^mysqldump\b|^redis-cli\b.*\s--rdb\b/,
    reason: 'the dump writes a backup file',
  },
  { risk: 'write', in: ['shell'], pattern: /^pg_restore\b/, reason: 'pg_restore adds objects to a database' },
  {
    risk: 'write',
    in: ['shell'],
    pattern: /^(?:psql|mysql|mariadb)\b.*\s(?:-f|--file)\b/,
    reason: 'the client runs a SQL file',
  },
  { risk: 'write', in: ['shell'], pattern: /^vacuumdb\b/, reason: 'VACUUM/ANALYZE only maintains tables' },
  {
    risk: 'write',
    in: ['shell'],
    pattern: /^certbot\s+(?:renew|certonly|install|run)\b|^certbot\s+--/,
    reason: 'certbot renew replaces certificates',
  },
  {
    risk: 'write',
    in: ['shell'],
    pattern:
      /^git\s+(?:push|pull|checkout|switch|merge|rebase|commit|tag|revert|stash|cherry-pick|am|apply|reset|clone|branch\s+-[dDmM])\b/,
    reason: 'the command changes the repository',
  },
  {
    risk: 'write',
    in: ['shell'],
    pattern:
      /^(?:apt|apt-get|aptitude|yum|dnf|apk|zypper|brew|snap|dpkg)\s+(?:-\S+\s+)*(?:install|reinstall|remove|purge|autoremove|clean|autoclean|update|upgrade|dist-upgrade|full-upgrade|add|del|-i|-r|-P)\b/,
    reason: 'the command changes installed packages',
  },
  {
    risk: 'write',
    in: ['shell'],
    pattern:
      /^(?:pip3?|uv|uv pip|poetry|pipenv|pdm|npm|pnpm|yarn|bun|bundle|gem|cargo|go|composer)\s+(?:install|sync|add|update|upgrade|ci|lock|remove|uninstall|get|i)\b/,
    reason: 'the command changes installed dependencies',
  },
  {
    risk: 'write',
    in: ['shell'],
    pattern: /^(?:export\s+)?[A-Za-z_]\w*=/,
    reason: 'setting a variable changes configuration',
  },
  { risk: 'write', in: ['shell'], pattern: /\s>>?\s+\S|^tee\b/, reason: 'the command writes a file' },
  {
    risk: 'write',
    in: ['shell'],
    pattern: /^sed\s+(?:\S+\s+)*(?:-[a-hj-zA-Z]*i[a-zA-Z]*|--in-place)\b/,
    reason: 'sed -i edits a file in place',
  },
  {
    risk: 'write',
    in: ['shell'],
    pattern: /^(?:rq\s+(?:requeue|resume|suspend)|celery\b.*\s(?:control|revoke|call|purge_failed))\b/,
    reason: 'the command changes queued jobs',
  },
  {
    risk: 'write',
    in: ['shell'],
    pattern: /^kubectl\s+(?:scale|apply|patch|set|edit|annotate|label|create|replace|autoscale)\b/,
    reason: 'the command changes cluster state',
  },

  // ── prose: instructions for a person, read in English and French (also through mojibake) ──────────
  {
    risk: 'destructive',
    in: ['prose'],
    pattern: new RegExp(
      String.raw`\b(?:restor\w*|r${E}tabli\w*\s+(?:le|la|un|une|the|a)\s+(?:backup|sauvegarde)|restaur\S*)`,
      'i',
    ),
    reason: 'restoring a backup overwrites newer data',
  },
  {
    risk: 'destructive',
    in: ['prose'],
    pattern: new RegExp(
      String.raw`\b(?:delet\w*|supprim\S*|purg\S*|vider|videz|flush\w*|drop|truncat\w*|wipe|eras\w*|effac\S*|obliterat\w*|destroy\w*|d${E}trui\S*)\b`,
      'i',
    ),
    reason: 'the instruction deletes data',
  },
  {
    risk: 'dangerous',
    in: ['prose'],
    pattern: new RegExp(
      String.raw`\b(?:restart\w*|red${E}marr\S*|relanc\S*|reboot\w*|rollback|roll\s+back|redeploy\w*|red${E}ploy\S*|shut\s*down|kill|tuer|failover|bascul\S*|arr${E}t(?:er|ez)?|stop)\b|(?:^|[→>:;,+&(]|\b(?:and|then|to|et|puis|ou|or|manual)\s)[ \t]*(?:["«][ \t]*)?(?:deploy\w*|d${E}ploy\S*)|\bd${E}ployer\b`,
      'im',
    ),
    reason: 'the instruction restarts, redeploys or rolls back a service',
  },
  {
    risk: 'write',
    in: ['prose'],
    pattern: new RegExp(
      String.raw`\b(?:increase|augment\S*|upgrad\w*|scale|scaling|reduc\w*|r${E}dui\S*|updat\w*|mettre\s+${A}\s+jour|mise\s+${A}\s+jour|modif\S*|chang\w*|configur\S*|enabl\w*|disabl\w*|activ(?:er|ez|ate\w*)|d${E}sactiv(?:er|ez)|rotat\w*|revok\w*|r${E}voqu\S*|r${E}g${E}n${E}r\S*|regenerat\w*|fix|corrig\S*|apply|appliqu\S*|install\w*|optimi\S*|add|ajout\S*|impl${E}ment\S*|implement\w*|merge|push|clean\w*|nettoy\S*|migrat\w*|block|bloquer|bloquez|isolat\w*|isoler|edit\w*|cr${E}er|create|renouvel\S*|renew\w*|set\s+up)\b`,
      'i',
    ),
    reason: 'the instruction changes the system',
  },
];

/** READ_RULES say which pieces only observe; a piece no rule claims is treated as a write. */
const READ_RULES: readonly ReadRule[] = [
  { in: ['prose'], pattern: /[\s\S]*/, reason: 'an instruction for a person that changes nothing' },
  { in: ['sql'], pattern: /^EXPLAIN$/i, reason: 'EXPLAIN only plans the query' },
  { in: ['sql'], pattern: /^(?:SELECT|WITH|VALUES|TABLE|EXPLAIN)\b/i, reason: 'SELECT only reads' },
  {
    in: ['sql'],
    pattern: /^(?:SHOW|SET|RESET|BEGIN|START\s+TRANSACTION|COMMIT|END|ROLLBACK|DISCARD)\b/i,
    reason: 'the statement only affects the session',
  },
  {
    // psql meta-commands that describe or format; `\!`, `\o`, `\copy`, `\i` and the rest are not reads.
    in: ['sql'],
    pattern:
      /^\\(?:d\S*|l\+?|list\+?|conninfo|x|timing|pset|a|t|H|f|C|T|echo|qecho|warn|q|quit|\?|h|help|c|connect|encoding|sf\+?|sv\+?|set|unset|watch|g|gx|gset|errverbose|prompt|if|elif|else|endif|getenv)(?:\s|$)/,
    reason: 'the psql meta-command only describes',
  },
  { in: ['redis'], pattern: /^$/, reason: 'redis-cli without a command only observes' },
  {
    in: ['redis'],
    pattern:
      /^(?:PING|INFO|LLEN|KEYS|GET|MGET|EXISTS|TYPE|TTL|PTTL|EXPIRETIME|PEXPIRETIME|[SHZ]?SCAN|HGET|HMGET|HGETALL|HLEN|HKEYS|HVALS|HEXISTS|HSTRLEN|STRLEN|GETRANGE|SMEMBERS|SISMEMBER|SMISMEMBER|SCARD|ZCARD|ZCOUNT|ZRANGE\w*|ZREVRANGE\w*|ZSCORE|ZMSCORE|Z(?:REV)?RANK|LRANGE|LINDEX|LPOS|XLEN|XRANGE|XREVRANGE|XINFO|XPENDING|DBSIZE|TIME|LASTSAVE|ROLE|ECHO|OBJECT|DUMP|RANDOMKEY|BITCOUNT|GETBIT|PFCOUNT|SRANDMEMBER|HRANDFIELD|ZRANDMEMBER|MONITOR|PUBSUB|COMMAND|AUTH|SELECT|HELLO|MEMORY\s+(?:USAGE|STATS|DOCTOR|MALLOC-STATS)|CLIENT\s+(?:LIST|INFO|GETNAME|ID)|CONFIG\s+GET|SLOWLOG\s+(?:GET|LEN)|LATENCY\s+(?:LATEST|HISTORY|DOCTOR|GRAPH)|CLUSTER\s+(?:INFO|NODES|SLOTS|SHARDS|MYID))\b/i,
    reason: 'the Redis command only reads',
  },
  { in: ['http'], pattern: /^(?:GET|HEAD|OPTIONS)\b/i, reason: 'an HTTP GET only reads' },
  { in: ['code'], pattern: { test: importsOrPrints }, reason: 'the code only imports and prints' },
  {
    in: ['shell'],
    pattern: /^(?:cd|pushd|popd|sleep|true|false|:|exit|wait)(?:\s|$)/,
    reason: 'the command only waits or moves',
  },
  {
    in: ['shell'],
    pattern: new RegExp(String.raw`^(?=\S)[^${PAYLOAD}\n]*${PAYLOAD}`),
    reason: 'the command it runs only reads',
  },
  {
    in: ['shell'],
    pattern:
      /^(?:cat|tac|head|tail|less|more|grep|egrep|fgrep|zgrep|rg|ag|ls|ll|tree|stat|file|wc|sort|uniq|cut|tr|column|jq|yq|awk|gawk|diff|cmp|md5sum|sha\d*sum|realpath|readlink|basename|dirname|which|whereis|type|echo|printf|test|\[|cal|pwd|whoami|id|groups|uname|printenv|locale|zcat|zless|base64|strings|nl|fold|xxd|od|hexdump|paste|join|comm|expand|rev|seq|yes|history)(?:\s|$)/,
    reason: 'the command only reads',
  },
  { in: ['shell'], pattern: /^sed(?:\s|$)/, reason: 'sed without -i only filters' },
  {
    in: ['shell'],
    pattern: /^find(?:\s|$)(?!.*\s-(?:delete|exec|execdir|ok|okdir|fprint\w*|fls)\b)/,
    reason: 'find without -delete only lists',
  },
  { in: ['shell'], pattern: /^date(?:\s|$)(?!.*\s(?:-s|--set)\b)/, reason: 'date only reads the clock' },
  {
    in: ['shell'],
    pattern: /^(?:env|hostname|hostnamectl(?:\s+status)?)$/,
    reason: 'the command only reads',
  },
  {
    in: ['shell'],
    pattern: /^(?:gzip|gunzip|bzip2|xz|zstd)(?:\s+-\w+)*$|^(?:gzip|gunzip)\s+-\w*[cd]\w*/,
    reason: 'the command only filters its input',
  },
  {
    in: ['shell'],
    pattern:
      /^(?:df|du|free|uptime|top|htop|atop|btop|iotop|iostat|vmstat|mpstat|pidstat|sar|nproc|lscpu|lsblk|blkid|lsof|ps|pgrep|pstree|w|who|last|dmesg|ss|netstat|ifconfig|ping6?|traceroute|tracepath|mtr|dig|nslookup|host|whois|telnet|arp|nc\s+-\w*z|ncat\s+-\w*z)(?:\s|$)/,
    reason: 'the command only observes the host',
  },
  {
    in: ['shell'],
    pattern: /^ip\s+(?:-\S+\s+)*(?:a|addr|address|r|route|l|link|n|neigh)(?:\s+(?:show|list|ls)\b.*)?$/,
    reason: 'the command only observes the host',
  },
  {
    in: ['shell'],
    pattern: /^journalctl(?:\s|$)(?!.*--(?:vacuum|rotate|flush|sync|relinquish))/,
    reason: 'journalctl only reads logs',
  },
  {
    in: ['shell'],
    pattern:
      /^systemctl(?:\s+-\S+)*(?:\s+(?:status|is-active|is-enabled|is-failed|list-units|list-unit-files|list-timers|show|cat)\b.*)?$|^service\s+(?:\S+\s+status|--status-all)\b|^supervisorctl\s+status\b/,
    reason: 'systemctl status only observes',
  },
  { in: ['shell'], pattern: /^nginx\s+-[tTvV]+\b/, reason: 'nginx -t only checks the configuration' },
  {
    in: ['shell'],
    pattern: /^openssl\s+(?:x509|s_client|rand|version|verify|crl|asn1parse|ciphers|dgst|req\s.*-noout)\b/,
    reason: 'openssl x509/s_client/rand change nothing',
  },
  {
    in: ['shell'],
    pattern:
      /^(?:certbot\s+certificates|ufw\s+(?:status|show|app\s+list)|ip6?tables\s+(?:-t\s+\S+\s+)?(?:-[Lnv]+|-S|--list)|nft\s+list|crontab\s+-l)\b/,
    reason: 'the command only lists its configuration',
  },
  {
    in: ['shell'],
    pattern: /^(?:pg_isready|pg_controldata|pg_config|psql|mysql|mariadb|redis-cli|ssh)(?:\s|$)/,
    reason: 'the client only connects',
  },
  { in: ['shell'], pattern: /^(?:curl|wget|http|https|xh)(?:\s|$)/, reason: 'an HTTP GET only reads' },
  {
    in: ['shell'],
    pattern:
      /^docker (?:ps|logs|inspect|stats|top|images|info|version|events|port|diff|history|search|system (?:df|info|events)|volume (?:ls|list|inspect)|network (?:ls|list|inspect)|image (?:ls|list|inspect|history)|container (?:ls|list|inspect|logs|stats|top|port|diff)|context (?:ls|show|inspect)|compose (?:ps|logs|top|config|images|ls|version|port|events|stats))(?:\s|$)/,
    reason: 'docker ps/logs/inspect only observe',
  },
  {
    in: ['shell'],
    pattern:
      /^kubectl\s+(?:get|describe|logs|top|explain|version|cluster-info|api-resources|auth\s+can-i|rollout\s+(?:status|history))\b/,
    reason: 'kubectl get/logs only observe',
  },
  {
    in: ['shell'],
    pattern: /^celery\b.*\s(?:inspect|status|report|result|list|graph)\b/,
    reason: 'celery inspect only observes',
  },
  { in: ['shell'], pattern: /^rq\s+info\b/, reason: 'rq info only observes' },
  {
    in: ['shell'],
    pattern:
      /^git\s+(?:status|log|diff|show|describe|rev-parse|ls-files|ls-remote|blame|shortlog|fetch|remote(?:\s+-v)?$|branch(?:\s+-[avr]+)*$)/,
    reason: 'git status/log only reads',
  },
  {
    in: ['shell'],
    pattern:
      /^(?:fly(?:ctl)?|heroku|railway|render)\s+(?:logs|status|info|ps|releases|apps\s+list|machines?\s+(?:list|status)|config(?:\s+show)?$)/,
    reason: "the command only reads the platform's state",
  },
  {
    in: ['shell'],
    pattern: /^mc\s+(?:ls|du|stat|cat|find|tree|head|diff|ping|admin\s+info)\b/,
    reason: 'mc du/ls only read the bucket',
  },
  {
    in: ['shell'],
    pattern: /^aws\s+\S+\s+(?:ls|describe-\S+|get-\S+|list-\S+)\b/,
    reason: 'the command only reads',
  },
  {
    in: ['shell'],
    pattern:
      /^poetry\s+(?:shell|show|check|env\s+info)\b|^(?:python3?|node|ruby|perl|psql|pg_dump|redis-cli|docker|git)\s+(?:-V|--version|version)$/,
    reason: 'the command only reads',
  },
  {
    in: ['shell'],
    pattern:
      /^(?:make|just|task)\s+(?:-\S+\s+)*(?=[\w:.-]*(?:logs?|status|ps|health|healthcheck|check|stats|info|show|list|help|version|lint|doctor))[\w:.-]*$/,
    reason: "the target's name says it only observes",
  },
];

/** A call whose name says it changes something: `q.enqueue_many(…)`, `save(`, `r.delete(`. */
const MUTATING_CALL =
  /set|save|updat|delet|remov|enqueue|write|creat|insert|put|post|push|send|flush|drop|commit|execut|run|purg|clear|reset|upload|sync|apply|kill|restart|stop/i;

/**
 * importsOrPrints tells an import, `pass` or a `print(…)` that calls nothing which changes state. It
 * is code rather than one pattern because "no call named like a write" written as a lookahead
 * backtracks quadratically on a long line.
 */
function importsOrPrints(line: string): boolean {
  if (/^(?:import\s|from\s+[\w.]+\s+import\s|pass$)/i.test(line)) return true;
  if (!/^print\(.*\)$/i.test(line)) return false;
  for (const call of line.slice(6).matchAll(/\b\w+(?=\s*\()/g)) if (MUTATING_CALL.test(call[0])) return false;
  return true;
}

/** KIND_RULES say which executor a command needs, from its (unwrapped) command word. */
const KIND_RULES: readonly { readonly pattern: RegExp; readonly kind: StepKind }[] = [
  { pattern: /^(?:docker|docker-compose|podman|podman-compose)$/, kind: 'docker' },
  { pattern: /^redis-cli$/, kind: 'redis' },
  { pattern: /^(?:curl|wget|http|https|xh)$/, kind: 'http' },
];

const RANK: Readonly<Record<Risk, number>> = { read: 0, write: 1, dangerous: 2, destructive: 3 };

/** Rules grouped by scope, most harmful first, so each piece scans only the rules of its language. */
const RULES_BY_SCOPE = groupByScope(RISK_RULES, (a, b) => RANK[b.risk] - RANK[a.risk]);
const READS_BY_SCOPE = groupByScope(READ_RULES, () => 0);

function groupByScope<T extends { readonly in: readonly Scope[] }>(
  rules: readonly T[],
  order: (a: T, b: T) => number,
): Map<Scope, T[]> {
  const byScope = new Map<Scope, T[]>();
  for (const rule of rules)
    for (const scope of rule.in) byScope.set(scope, [...(byScope.get(scope) ?? []), rule]);
  for (const list of byScope.values()) list.sort(order); // Array.prototype.sort is stable: table order holds within a level.
  return byScope;
}

// ── Safety net ──────────────────────────────────────────────────────────────────────────────────

/**
 * NET_RULES are the safety net, applied to the step's raw text after every rule: whatever the
 * parsing above made of a step, one whose text names one of these data-destroying verbs is never
 * `read` nor `write`. The net reads command words rather than the language of each piece, so it can
 * over-classify (a quoted `"DROP TABLE"` handed to a script); it skips only what cannot run: the
 * patterns of a search (`grep "DELETE" logs.txt`), the text of an `echo` that is not piped, an
 * EXPLAIN without ANALYZE. Every test is linear: nothing here may backtrack on a long line.
 */
interface NetRule {
  readonly test: (text: string) => boolean;
  /** The rule applies only when the step is about Redis (`DEL`) or about a queue (`purge`). */
  readonly when?: (text: string, mode: Mode) => boolean;
  readonly verb: string;
}

/** A word that runs as a command: at the start, or after a separator, a quote or a path. */
const commandWord = (names: string, flags = ''): RegExp =>
  new RegExp(String.raw`(?:^|[\s;&|(){}\`'"])(?:\/(?:[\w.-]+\/)*)?(?:${names})(?=$|[\s;&|(){}\`'"])`, flags);
/**
 * `rm` is also the subcommand that removes an image, a network or a package: not data. (A lookbehind
 * is only tried after the word it guards, so that it never rescans a long run of spaces.)
 */
const RM_WORD = commandWord(
  String.raw`rm(?<!\b(?:image|network|context|plugin|secret|config|builder|buildx|node|service|stack|pod|git|npm|pnpm|yarn|bun)\s+rm)|shred|wipefs|dropdb`,
);
const regex = (pattern: RegExp) => (text: string) => pattern.test(text);
/** `first` occurs, and `later` after it (`prune … --volumes`), found without backtracking. */
const after = (first: RegExp, later: RegExp) => (text: string) => {
  const at = first.exec(text);
  return at !== null && later.test(text.slice(at.index));
};
const both = (a: RegExp, b: RegExp) => (text: string) => a.test(text) && b.test(text);

const aboutRedis = (text: string, mode: Mode): boolean =>
  mode === 'redis' || /redis|valkey|keydb|:6379\b/i.test(text);
const aboutQueues = (text: string): boolean =>
  /\b(?:celery|rq|rabbitmq\w*|sidekiq\w*|dramatiq|huey|bull(?:mq)?|kue|resque|faktory|sqs|pubsub|kafka\S*|nats|beanstalk\w*|queues?)\b/i.test(
    text,
  );

const NET_RULES: readonly NetRule[] = [
  { test: regex(/\bFLUSHALL\b/i), verb: 'FLUSHALL' },
  { test: regex(/\bFLUSHDB\b/i), verb: 'FLUSHDB' },
  { test: regex(commandWord('DEL', 'i')), when: aboutRedis, verb: 'DEL' },
  { test: regex(/\bDELETE\s+FROM\b/i), verb: 'DELETE FROM' },
  { test: regex(/\bTRUNCATE\b/i), verb: 'TRUNCATE' },
  { test: regex(/\bDROP\s+(?:TABLE|DATABASE|SCHEMA|INDEX)\b/i), verb: 'DROP' },
  { test: after(/\bprune\b/, /\s--volumes\b/), verb: 'prune --volumes' },
  { test: regex(/\bvolume\s+(?:rm|remove|prune)\b/), verb: 'volume rm' },
  { test: regex(RM_WORD), verb: 'rm' },
  { test: regex(commandWord('unlink', 'i')), verb: 'unlink' },
  { test: both(/\bfind\b/, /\s-delete\b/), verb: 'find -delete' },
  { test: regex(/\bpurge(?<!\bMEMORY\s+purge)/i), when: aboutQueues, verb: 'purge' },
  { test: regex(/\bobliterate/i), verb: 'obliterate' },
];

/** Commands whose arguments are patterns or file names, never commands: the net skips them. */
const NET_SKIPS: ReadonlySet<string> = new Set(
  'grep egrep fgrep zgrep zegrep zfgrep rg ag ack cat tac less more head tail wc ls stat file zcat zless'.split(
    ' ',
  ),
);

/** safetyNet raises a `read` or `write` decision to destructive when the raw text deletes data. */
function safetyNet(
  text: string,
  mode: Mode,
  decided: { risk: Risk; reason: string },
): { risk: Risk; reason: string } {
  if (decided.risk !== 'read' && decided.risk !== 'write') return decided;
  const view = netView(text);
  if (view.trim() === '') return decided;
  for (const rule of NET_RULES) {
    if (rule.when && !rule.when(text, mode)) continue;
    if (rule.test(view))
      return { risk: 'destructive', reason: `the safety net caught ${rule.verb}, which deletes data` };
  }
  return decided;
}

/** netView is the text the net reads: the step's commands (see splitCommands) less those that cannot run anything. */
function netView(text: string): string {
  const kept: string[] = [];
  for (const { text: segment, separator } of splitCommands(text))
    if (!netSkips(segment, separator)) kept.push(segment);
  return kept.join('\n');
}

/** netSkips tells a segment that runs nothing harmful whatever its words: a search, an echo, an EXPLAIN. */
function netSkips(segment: string, separator: string): boolean {
  const head =
    /^[\s$#({!`]*(?:(?:sudo|doas|time|nohup|command|exec|then|do|else)\s+)*(?:[\w.~-]*\/)*([\w.-]+)/.exec(
      segment,
    );
  if (!head) return false;
  const name = head[1]!;
  if (NET_SKIPS.has(name)) return true;
  if ((name === 'echo' || name === 'printf') && separator !== '|') return true;
  return /^explain$/i.test(name) && !/\bANALY[SZ]E\b/i.test(segment);
}

// ── Languages of a step ─────────────────────────────────────────────────────────────────────────

type Mode = 'auto' | 'sql' | 'redis' | 'code' | 'config' | 'output';

const LANG_MODES: Readonly<Record<string, Mode>> = {
  sql: 'sql',
  psql: 'sql',
  pgsql: 'sql',
  postgres: 'sql',
  postgresql: 'sql',
  plpgsql: 'sql',
  mysql: 'sql',
  sqlite: 'sql',
  redis: 'redis',
  'redis-cli': 'redis',
  python: 'code',
  python3: 'code',
  py: 'code',
  javascript: 'code',
  js: 'code',
  typescript: 'code',
  ts: 'code',
  node: 'code',
  ruby: 'code',
  rb: 'code',
  go: 'code',
  java: 'code',
  php: 'code',
  yaml: 'config',
  yml: 'config',
  toml: 'config',
  ini: 'config',
  env: 'config',
  dotenv: 'config',
  conf: 'config',
  nginx: 'config',
  dockerfile: 'config',
  properties: 'config',
  hcl: 'config',
  json: 'output',
  log: 'output',
  output: 'output',
};

const SQL_KEYWORDS =
  'SELECT|WITH|INSERT|UPDATE|DELETE|TRUNCATE|DROP|CREATE|ALTER|VACUUM|ANALY[SZ]E|EXPLAIN|REINDEX|CLUSTER|GRANT|REVOKE|COPY|LOCK|REFRESH|COMMENT\\s+ON|BEGIN|COMMIT|ROLLBACK|SHOW|DO|MERGE|VALUES';
/** A statement in capitals is SQL; in lower case it must also look like SQL ("update the config" is prose). */
const SQL_UPPER = new RegExp(`^(?:${SQL_KEYWORDS})(?:\\s|;|\\(|$)`);
const SQL_LOWER =
  /^(?:select|with|insert|update|delete|truncate|drop|create|alter|vacuum|analy[sz]e|explain|reindex|grant|revoke)\b(?!\s+-).*(?:;\s*$|\b(?:from|into|table|set|where|index|schema|database|full|verbose|values)\b)/;
const HTTP_LINE = /^(?:GET|HEAD|POST|PUT|PATCH|DELETE|OPTIONS)\s+(?:\/|https?:\/\/)/;
const REDIS_COMMANDS = new Set(
  (
    'PING INFO LLEN KEYS GET MGET SET SETEX SETNX MSET EXISTS TYPE TTL PTTL EXPIRE PEXPIRE PERSIST SCAN SSCAN HSCAN ZSCAN ' +
    'HGET HMGET HGETALL HSET HMSET HDEL HLEN HKEYS HVALS HINCRBY INCR INCRBY DECR DECRBY APPEND STRLEN GETDEL GETSET ' +
    'SMEMBERS SADD SREM SCARD SISMEMBER SPOP ZADD ZREM ZCARD ZCOUNT ZRANGE ZREVRANGE ZSCORE ZREMRANGEBYSCORE ZREMRANGEBYRANK ' +
    'LRANGE LINDEX LPUSH RPUSH LPOP RPOP LREM LTRIM LSET XLEN XADD XDEL XTRIM XRANGE XINFO XGROUP XPENDING XACK ' +
    'DEL UNLINK FLUSHDB FLUSHALL DBSIZE MEMORY CONFIG CLIENT SLOWLOG LATENCY SHUTDOWN SAVE BGSAVE BGREWRITEAOF ' +
    'MONITOR PUBLISH PUBSUB SUBSCRIBE EVAL EVALSHA SCRIPT FUNCTION RENAME RENAMENX MOVE SWAPDB SELECT AUTH CLUSTER ' +
    'REPLICAOF SLAVEOF DEBUG OBJECT DUMP RESTORE RANDOMKEY TIME LASTSAVE ROLE ECHO COMMAND'
  ).split(' '),
);
/** Python-ish lines: `x = y` with spaces (a shell assignment has none), imports, definitions. */
const CODE_LINE =
  /^(?:import\s+\w|from\s+[\w.]+\s+import\b|(?:async\s+)?def\s+\w+\s*\(|class\s+\w+\s*[:(]|await\s|print\(|[\w.[\]'"]+\s*(?:=|\+=|-=)\s+(?!=)\S)/;
const CRON_PREFIX = /^(?:[\d*][\d*/,-]*\s+){5}(?=\S)/;
const ASSIGNMENT = /^[A-Za-z_]\w*=/;
const ARROW = /→|⇒|=>|->|â†’|‚Üí/;

/** KNOWN_COMMANDS tell a terse command ("vigie status") from a terse sentence ("rollback au dernier commit"). */
const KNOWN_COMMANDS = new Set(
  (
    'alembic apt apt-get aws awk bash brew bun bundle cat cd celery certbot chmod chown cp crontab curl cut date dd df dig ' +
    'docker docker-compose du echo env export find fly flyctl free git grep gunzip gzip head helm heroku host htop http ' +
    'iostat ip jq journalctl kill killall kubectl less ln ls lsof make mc mkdir mv mysql nc netstat nginx node npm npx ' +
    'openssl pg_dump pg_isready pg_restore pgrep ping pip pip3 pkill pnpm podman poetry printf ps psql python python3 ' +
    'redis-cli rm rq rsync ruby scp sed service sh sleep sort ss ssh sudo systemctl tail tar tee top touch traceroute ' +
    'truncate ufw uname uptime uv vacuumdb watch wc wget which xargs yarn zcat zsh'
  ).split(' '),
);
/** PROSE_WORDS open sentences, never commands. */
const PROSE_WORDS = new Set(
  (
    'wait check verify contact click go open ensure monitor notify confirm escalate restart redeploy rollback deploy ' +
    'upgrade increase decrease reduce scale merge fix review identify investigate inform isolate assess contain remediate ' +
    'document consult restore delete remove purge if then else or and when use see note attendre verifier vérifier ' +
    'contacter redemarrer redémarrer relancer augmenter reduire réduire utiliser consulter ouvrir aller cliquer appliquer ' +
    'activer desactiver désactiver mettre faire lancer supprimer purger vider restaurer si puis ou et via'
  ).split(' '),
);

const set = (text: string): ReadonlySet<string> => new Set(text.split(' '));
const SUDO_VALUES = set('-u -g -C -D -h -p -r -t -U -T --user --group');
const ENV_VALUES = set('-u -C --unset --chdir'); // not -S: its value is the command, read as a string
const NICE_VALUES = set('-n -c -p --adjustment --class --classdata');
const TIMEOUT_VALUES = set('-s -k --signal --kill-after');
const WATCH_VALUES = set('-n -d --interval');
const XARGS_VALUES = set(
  '-I -i -n -P -L -l -d -E -e -s -a --max-args --max-procs --delimiter --arg-file --replace',
);
const RUN_VALUES = set('--with --env-file --directory --project --python -p --package --extra --group');
const DOCKER_GLOBAL_VALUES = set(
  '-H --host -c --context --config -l --log-level --tlscacert --tlscert --tlskey',
);
const COMPOSE_GLOBAL_VALUES = set(
  '-f --file -p --project-name --env-file --profile --project-directory --ansi --parallel --progress',
);
const EXEC_VALUES = set('-e --env -u --user -w --workdir --env-file --index --detach-keys');
const RUN_CONTAINER_VALUES = set(
  '-e --env -u --user -w --workdir --env-file -v --volume -p --publish --name --network --net --entrypoint -l --label --mount -m --memory --cpus -h --hostname --add-host --restart --platform --pull --link --dns --log-driver --log-opt',
);
const SSH_VALUES = set('-i -p -l -o -J -F -L -R -D -b -c -E -e -m -O -Q -S -W -w -B');
const REDIS_VALUES = set(
  '-h -p -a -u -n -s -r -i -d -D -t --user --pass --cacert --cacertdir --cert --key --sni --pattern --count --quoted-pattern --rdb --functions-rdb --eval --intrinsic-latency --memkeys-samples --lru-test --pipe-timeout --show-pushes --cluster --tls-ciphers --tls-ciphersuites',
);
const CURL_VALUES = set(
  '-H --header -u --user -o --output -w --write-out -A --user-agent -e --referer -b --cookie -c --cookie-jar -x --proxy -m --max-time --connect-timeout --retry --retry-delay --retry-max-time -K --config --cacert --capath --cert -E --key --resolve -r --range -U --proxy-user --limit-rate -y -Y -z --interface --dns-servers --oauth2-bearer --unix-socket --connect-to -D --dump-header',
);
const CURL_DATA = set(
  '-d --data --data-raw --data-binary --data-ascii --data-urlencode --json -F --form --form-string',
);
const WGET_VALUES = set(
  '-O -o -a -t -T -U -P -e --header --user --password --output-document --output-file --tries --timeout --user-agent',
);
const HTTPIE_VALUES = set(
  '-a --auth -A --auth-type -o --output --session --session-read-only --verify --cert --cert-key --timeout --proxy',
);
const FILTERS = set(
  'grep egrep fgrep rg jq yq head tail sort uniq wc awk gawk sed cut tr column less more cat tee gzip gunzip zcat base64 xxd',
);
const TRIVIAL = set('cd pushd popd sleep echo printf true false export set source . : wait');
const SHELL_KEYWORDS = set('if then else elif fi do done while until for case esac in ! { } time');

// ── Assembling the pieces of a step ──────────────────────────────────────────────────────────────

/** Scan collects a step's pieces and the executors its commands need. */
interface Scan {
  readonly pieces: Piece[];
  /** Executors of the commands, SQL, Redis and HTTP lines (not of `cd`, `sleep`, pipe filters). */
  readonly kinds: StepKind[];
  /** True when there are commands that need no executor of their own (`cd`, `sleep`, `| jq`). */
  trivial: boolean;
}

const MAX_DEPTH = 4;

/** classifyStep classifies one runbook step: its executor (kind) and its risk, with the deciding rule. */
export function classifyStep(run: string, hint?: { lang?: string }): Classification {
  const scan: Scan = { pieces: [], kinds: [], trivial: false };
  let text = run.replace(/\r\n?/g, '\n').trim();
  const inline = /^`([^`]+)`$/.exec(text);
  if (inline) text = inline[1]!.trim();
  const lang =
    /^[\w+-]*/.exec(
      (hint?.lang ?? '')
        .trim()
        .replace(/^\{?\.?/, '')
        .toLowerCase(),
    )?.[0] ?? '';
  const mode: Mode = LANG_MODES[lang] ?? 'auto';

  // An example answer (`{ "status": "ready", … }`) sometimes reaches here as a step; it runs nothing.
  if (mode === 'output' || (mode === 'auto' && /^(?:\{\s*"|\[\s*[{"\d])/.test(text))) {
    return {
      kind: 'manual',
      ...safetyNet(text, mode, { risk: 'read', reason: 'example output, nothing to run' }),
    };
  }
  if (mode === 'sql') {
    sqlPieces(text, scan, 0);
    if (scan.pieces.length > 0) scan.kinds.push('sql');
    else if (text !== '')
      scan.pieces.push({ scope: 'prose', text: text.replace(/^[ \t]*-{2,}[ \t]*/gm, '') });
  } else if (mode === 'code' || mode === 'config') scanCode(text, mode, scan);
  else if (mode === 'redis') scanRedis(text, scan);
  else scanLines(text.replace(/\\\n/g, ' '), scan, 0);

  return { kind: kindOf(scan), ...safetyNet(text, mode, riskOf(scan.pieces)) };
}

/** kindOf picks the executor: docker if anything runs through docker, else the one kind, else shell. */
function kindOf(scan: Scan): StepKind {
  const kinds = new Set(scan.kinds);
  if (kinds.has('docker')) return 'docker';
  if (kinds.size === 1) return [...kinds][0]!;
  if (kinds.size > 1 || scan.trivial) return 'shell';
  return 'manual';
}

/** riskOf applies the rule tables to the pieces; see the module comment. */
function riskOf(all: readonly Piece[]): { risk: Risk; reason: string } {
  // A piece met twice gets the same rules twice: a long, repetitive step is judged once per distinct piece.
  const seen = new Set<string>();
  const pieces = all.filter((piece) => {
    const key = `${piece.scope}\0${piece.text}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  let best: RiskRule | undefined;
  for (const piece of pieces) {
    for (const rule of RULES_BY_SCOPE.get(piece.scope) ?? []) {
      if (best && RANK[rule.risk] <= RANK[best.risk]) break;
      if (rule.pattern.test(piece.text) && !rule.unless?.test(piece.text)) {
        best = rule;
        break;
      }
    }
    if (best?.risk === 'destructive') break;
  }
  if (best) return { risk: best.risk, reason: best.reason };
  let reason: string | undefined;
  for (const piece of pieces) {
    const rule = READS_BY_SCOPE.get(piece.scope)?.find((r) => r.pattern.test(piece.text));
    if (!rule) return { risk: 'write', reason: unknownReason(piece) };
    if (reason === undefined || reason.startsWith('the command only waits')) reason = rule.reason;
  }
  return { risk: 'read', reason: reason ?? 'nothing to run' };
}

/** unknownReason names what Vigie could not see into, so a reviewer knows why a step is not `read`. */
function unknownReason(piece: Piece): string {
  switch (piece.scope) {
    case 'sql': {
      const meta = /^\\\S*/.exec(piece.text)?.[0];
      if (meta) return `${short(meta)} is not a read-only meta-command`;
      return `${short(/^[A-Za-z_]+/.exec(piece.text)?.[0] ?? 'the statement').toUpperCase()} is not a read-only statement`;
    }
    case 'redis':
      return `${short(/^\S+/.exec(piece.text)?.[0] ?? 'the command')} is not a read-only Redis command`;
    case 'code':
      return 'code that may change state';
    case 'config':
      return 'a configuration change made by hand';
    case 'http':
      return 'the request may change state';
    default: {
      const words = piece.text.split(' ');
      const more =
        /^(?:docker|make|git|npm|yarn|pnpm|kubectl|systemctl|uv|poetry|apt|apt-get|just|python3?|node|bash|sh|ruby|perl|celery|rq)$/.test(
          words[0] ?? '',
        );
      const label = words
        .slice(0, more ? (words[1] === 'compose' ? 3 : 2) : 1)
        .join(' ')
        .replaceAll(PAYLOAD, '…');
      return `\`${short(label)}\` is not known to be read-only`;
    }
  }
}

/** short keeps a reason readable when it quotes a long word. */
function short(text: string): string {
  return text.length > 40 ? `${text.slice(0, 39)}…` : text;
}

/** scanLines reads shell or unlabelled text line by line: commands, bare SQL, Redis or HTTP, code, prose. */
function scanLines(text: string, scan: Scan, depth: number): void {
  const comments: string[] = [];
  const before = scan.pieces.length;
  let i = 0;
  while (i < text.length) {
    let lineEnd = text.indexOf('\n', i);
    if (lineEnd < 0) lineEnd = text.length;
    const raw = text.slice(i, lineEnd);
    const line = raw.trim();
    if (line === '') {
      i = lineEnd + 1;
      continue;
    }
    if (/^(?:#|--|\/\/)/.test(line) && !line.startsWith('#!')) {
      comments.push(line.replace(/^(?:#+|-{2,}|\/{2,})\s*/, ''));
      i = lineEnd + 1;
      continue;
    }
    const prompt = /^\$\s+/.exec(line)?.[0].length ?? 0;
    const cron = CRON_PREFIX.exec(line.slice(prompt))?.[0].length ?? 0;
    const body = line.slice(prompt + cron);
    if (HTTP_LINE.test(body)) {
      httpPiece(body.split(/\s+/)[0]!, body.split(/\s+/)[1] ?? '', scan);
      scan.kinds.push('http');
      i = lineEnd + 1;
    } else if (isSql(body)) {
      const end = sqlEnd(text, i);
      sqlPieces(text.slice(i, end), scan, depth);
      scan.kinds.push('sql');
      i = end;
    } else if (REDIS_COMMANDS.has(body.split(/\s+/)[0]!)) {
      scan.pieces.push(redisPiece(body.split(/\s+/)));
      scan.kinds.push('redis');
      i = lineEnd + 1;
    } else if (CODE_LINE.test(body)) {
      let end = text.indexOf('\n\n', i);
      if (end < 0) end = text.length;
      scanCode(text.slice(i, end), 'code', scan);
      i = end;
    } else if (isProse(body)) {
      scan.pieces.push({ scope: 'prose', text: body });
      i = lineEnd + 1;
    } else {
      // Where the body starts, counted rather than searched for (`indexOf` is slow on a long indent).
      const parsed = parseShell(text, i + (raw.length - raw.trimStart().length) + prompt + cron);
      for (const command of parsed.commands) analyse(command, scan, depth);
      i = parsed.end;
    }
  }
  // Comments are the instruction only when there is nothing else (`# Dashboard → Settings → Deploy`).
  if (scan.pieces.length === before && comments.length > 0)
    scan.pieces.push({ scope: 'prose', text: comments.join('\n') });
}

/** isSql tells a SQL statement from a shell command or a sentence that opens with the same word. */
function isSql(line: string): boolean {
  // No `\dt` here: outside SQL a backslash quotes a command word (`\rm -rf …` bypasses an alias).
  if (SQL_UPPER.test(line)) return !/^TRUNCATE\s+-/.test(line);
  return SQL_LOWER.test(line);
}

/** isProse tells a sentence for a person ("Attendre 2 minutes", "Dashboard → Settings") from a command. */
function isProse(line: string): boolean {
  const words = line.split(/\s+/);
  const first = words[0]!;
  if (ASSIGNMENT.test(first)) return false;
  if (/^(?:[-*+•]|\d+[.)]|\[[ x]\])$/.test(first)) return true;
  if (/^[A-Z]/.test(first) || /[^\p{ASCII}]/u.test(first)) return true;
  if (/:$/.test(first) || /^\w+:\/\//.test(first)) return true;
  const lower = first.toLowerCase();
  if (PROSE_WORDS.has(lower)) return true;
  if (KNOWN_COMMANDS.has(lower)) return false;
  if (ARROW.test(line)) return true;
  return words.length >= 3 && !/[-/$=|&;<>"'`{}()[\]*~]|\.\w/.test(line);
}

/** analyse peels a command's wrappers, then adds its pieces (and its payload's) and its executor. */
function analyse(command: Command, scan: Scan, depth: number): void {
  for (const sub of command.substitutions) if (depth < MAX_DEPTH) scanLines(sub, scan, depth + 1);
  const words = command.words;
  const assignments: string[] = [];
  let viaDocker = false;
  let viaKubectl = false;
  // `watch` runs its arguments joined as one `sh -c` script.
  let watched = false;
  let i = 0;
  let rest: string[] | undefined;

  for (let guard = 0; guard < 16 && rest === undefined; guard++) {
    while (i < words.length && SHELL_KEYWORDS.has(words[i]!)) i++;
    if (words[i] === 'for' || words[i] === 'case') return; // loop headers hold no command of their own
    while (i < words.length && ASSIGNMENT.test(words[i]!)) assignments.push(words[i++]!);
    const head = words[i];
    if (head === undefined) break;
    const next = words[i + 1];
    switch (head.replace(/^.*\//, '')) {
      case 'sudo':
      case 'doas':
        i = skipOptions(words, i + 1, SUDO_VALUES);
        continue;
      case 'env':
        if (i + 1 >= words.length) break;
        i = skipOptions(words, i + 1, ENV_VALUES);
        continue;
      case 'nohup':
      case 'exec':
      case 'command':
      case 'builtin':
      case 'stdbuf':
        i = skipOptions(words, i + 1, NICE_VALUES);
        continue;
      case 'nice':
      case 'ionice':
        i = skipOptions(words, i + 1, NICE_VALUES);
        continue;
      case 'timeout':
        i = skipOptions(words, i + 1, TIMEOUT_VALUES) + 1;
        continue;
      case 'watch': {
        const from = i + 1;
        i = skipOptions(words, from, WATCH_VALUES);
        watched = !words.slice(from, i).some((w) => w === '-x' || w === '--exec');
        continue;
      }
      case 'xargs':
        i = skipOptions(words, i + 1, XARGS_VALUES);
        if (i >= words.length) rest = ['echo'];
        continue;
      case 'uv':
      case 'poetry':
      case 'pipenv':
      case 'pdm':
      case 'rye':
      case 'hatch':
        if (next !== 'run') break;
        i = skipOptions(words, i + 2, RUN_VALUES);
        continue;
      case 'bundle':
        if (next !== 'exec') break;
        i += 2;
        continue;
      case 'npx':
      case 'bunx':
      case 'pnpx':
        i = skipOptions(words, i + 1, RUN_VALUES);
        continue;
      case 'python':
      case 'python3':
        if (next !== '-m' || words[i + 2] === undefined) break;
        i += 2;
        continue;
      case 'docker':
      case 'podman':
      case 'docker-compose':
      case 'podman-compose': {
        const inner = unwrapDocker(words, i);
        if (inner.from !== undefined) {
          viaDocker = true;
          i = inner.from;
          continue;
        }
        rest = inner.canonical;
        viaDocker = true;
        break;
      }
      case 'kubectl': {
        if (next !== 'exec') break;
        const dashes = words.indexOf('--', i);
        if (dashes < 0) break;
        viaKubectl = true;
        i = dashes + 1;
        continue;
      }
      case 'ssh': {
        const host = skipOptions(words, i + 1, SSH_VALUES);
        if (host + 1 >= words.length) break;
        if (depth < MAX_DEPTH) scanLines(words.slice(host + 1).join(' '), scan, depth + 1);
        rest = ['ssh', words[host]!, PAYLOAD];
        break;
      }
      case 'sh':
      case 'bash':
      case 'zsh':
      case 'dash':
      case 'ksh':
      case 'su': {
        const flag = words.findIndex((w, k) => k > i && /^-[a-z]*c$/.test(w));
        const script = flag > 0 ? words[flag + 1] : undefined;
        if (script === undefined) break;
        if (depth < MAX_DEPTH) scanLines(script, scan, depth + 1);
        rest = [head.replace(/^.*\//, ''), '-c', PAYLOAD];
        break;
      }
    }
    break;
  }
  // A command given as one string (`watch "redis-cli FLUSHALL"`, `timeout 10 "rm -rf x"`) is read
  // again as a line of shell, as `sh -c` would; so is the whole of what `watch` runs.
  if (
    rest === undefined &&
    i < words.length &&
    depth < MAX_DEPTH &&
    (watched || /[\s;&|<>()`]/.test(words[i]!))
  ) {
    scanLines(words.slice(i).join(' '), scan, depth + 1);
    if (viaDocker || viaKubectl) scan.kinds.push(viaDocker ? 'docker' : 'shell');
    const redirects = renderRedirects(command).trim();
    if (redirects !== '')
      scan.pieces.push({ scope: 'shell', text: `${words[i]!.split(/\s/)[0]} ${redirects}` });
    return;
  }
  rest ??= words.slice(i);
  if (rest.length > 0) rest = [rest[0]!.replace(/^.*\/(?=[^/])/, ''), ...rest.slice(1)];
  const head = rest[0];

  if (head === undefined) {
    if (command.redirects.length > 0) {
      scan.pieces.push({ scope: 'shell', text: renderRedirects(command).trim() });
      scan.kinds.push(viaDocker ? 'docker' : 'shell');
    } else if (assignments.length > 0) {
      // Settings alone (`DB_POOL_SIZE=50`) are an edit of `.env` for a person: no executor kind.
      scan.pieces.push({ scope: 'shell', text: assignments.join(' ') });
      if (viaDocker) scan.kinds.push('docker');
    }
    return;
  }

  const out = payloads(rest, command, scan, depth);
  scan.pieces.push({ scope: 'shell', text: out.join(' ') + renderRedirects(command) });

  const kind = viaDocker
    ? 'docker'
    : viaKubectl
      ? 'shell'
      : (KIND_RULES.find((rule) => rule.pattern.test(head))?.kind ?? 'shell');
  if (kind === 'shell' && ((command.piped && FILTERS.has(head)) || TRIVIAL.has(head))) scan.trivial = true;
  else scan.kinds.push(kind);
}

/** unwrapDocker gives where the command run inside a container starts, or the canonical docker command. */
function unwrapDocker(words: readonly string[], at: number): { from?: number; canonical: string[] } {
  const head = words[at]!.replace(/^.*\//, '');
  let j = at + 1;
  let compose = head.endsWith('-compose');
  if (!compose) {
    j = skipOptions(words, j, DOCKER_GLOBAL_VALUES);
    if (words[j] === 'compose') {
      compose = true;
      j++;
    }
  }
  if (compose) {
    j = skipOptions(words, j, COMPOSE_GLOBAL_VALUES);
    const sub = words[j];
    if (sub === 'exec' || sub === 'run') {
      const service = skipOptions(words, j + 1, sub === 'exec' ? EXEC_VALUES : RUN_CONTAINER_VALUES);
      if (service + 1 < words.length) return { from: service + 1, canonical: [] };
    }
    return { canonical: ['docker', 'compose', ...words.slice(j)] };
  }
  let sub = words[j];
  if (sub === 'container' && (words[j + 1] === 'exec' || words[j + 1] === 'run')) sub = words[++j];
  if (sub === 'exec' || sub === 'run') {
    const target = skipOptions(words, j + 1, sub === 'exec' ? EXEC_VALUES : RUN_CONTAINER_VALUES);
    if (target + 1 < words.length) return { from: target + 1, canonical: [] };
  }
  return { canonical: ['docker', ...words.slice(j)] };
}

/** renderRedirects appends a command's file redirects; `/dev/null` and here-documents say nothing of risk. */
function renderRedirects(command: Command): string {
  let text = '';
  for (const r of command.redirects) {
    if (/^\/dev\/(?:null|stdout|stderr|tty)$/.test(r.target)) continue;
    text += ` ${r.op} ${r.target}`;
  }
  return text;
}

/**
 * payloads moves what a client runs (SQL of `psql -c`, a Redis command, a request, `python -c` code)
 * into pieces of their own language, and gives the command's words with each payload as PAYLOAD.
 */
function payloads(words: string[], command: Command, scan: Scan, depth: number): string[] {
  const head = words[0]!;
  switch (head) {
    case 'psql':
    case 'mysql':
    case 'mariadb': {
      const out: string[] = [head];
      let found = false;
      for (let k = 1; k < words.length; k++) {
        const w = words[k]!;
        if (w === '-c' || w === '--command' || (head !== 'psql' && (w === '-e' || w === '--execute'))) {
          sqlPieces(words[k + 1] ?? '', scan, depth);
          out.push(w, PAYLOAD);
          found = true;
          k++;
        } else if (/^--(?:command|execute)=/.test(w)) {
          sqlPieces(w.slice(w.indexOf('=') + 1), scan, depth);
          out.push(`${w.slice(0, w.indexOf('='))}=${PAYLOAD}`);
          found = true;
        } else out.push(w);
      }
      const fed = found ? undefined : (command.heredoc ?? pipedText(command));
      if (fed !== undefined) {
        sqlPieces(fed, scan, depth);
        out.push(PAYLOAD);
      } else if (!found && command.piped) out.push('<|');
      return out;
    }
    case 'redis-cli': {
      // `--cluster call HOST:PORT FLUSHALL` runs the command on every node.
      const cluster = words.indexOf('--cluster');
      const start =
        cluster > 0 && words[cluster + 1] === 'call' && cluster + 3 < words.length
          ? cluster + 3
          : skipOptions(words, 1, REDIS_VALUES);
      if (start < words.length) {
        scan.pieces.push(redisPiece(words.slice(start)));
        return [...words.slice(0, start), PAYLOAD];
      }
      // A here-document, or text piped in by `echo FLUSHDB |`, is Redis commands, one a line.
      const fed = command.heredoc ?? pipedText(command);
      if (fed !== undefined) {
        for (const line of fed.split('\n'))
          if (line.trim()) scan.pieces.push(redisPiece(line.trim().split(/\s+/)));
        return [...words, PAYLOAD];
      }
      const stdin = command.piped || words.includes('--pipe') || command.redirects.some((r) => r.op === '<');
      scan.pieces.push({ scope: 'redis', text: stdin ? '<stdin>' : '' });
      return [...words, PAYLOAD];
    }
    case 'curl':
      curlPiece(words, scan);
      return words;
    case 'wget':
      wgetPiece(words, scan);
      return words;
    case 'http':
    case 'https':
    case 'xh':
      httpiePiece(words, scan);
      return words;
    case 'python':
    case 'python3':
    case 'node':
    case 'ruby':
    case 'perl': {
      const flag = words.findIndex((w, k) => k > 0 && (w === '-c' || w === '-e' || w === '--eval'));
      const code = flag > 0 ? words[flag + 1] : command.heredoc;
      if (code === undefined) return words;
      scanCode(code.replaceAll(';', '\n'), 'code', scan, false);
      return flag > 0
        ? [...words.slice(0, flag + 1), PAYLOAD, ...words.slice(flag + 2)]
        : [...words, PAYLOAD];
    }
    default:
      return words;
  }
}

/**
 * pipedText is what the command before a pipe writes, when it can be read: the words of `echo` or
 * `printf` (with `\n` as a new line), the body of `cat <<EOF`. Undefined when it cannot.
 */
function pipedText(command: Command): string | undefined {
  const source = command.source;
  if (source === undefined) return undefined;
  const [head = '', ...args] = source.words;
  const name = head.replace(/^.*\//, '');
  if (name === 'echo' || name === 'printf') {
    let k = 0;
    if (name === 'echo') while (/^-[neE]+$/.test(args[k] ?? '')) k++;
    return args.slice(k).join(' ').replace(/\\n/g, '\n');
  }
  if (source.heredoc !== undefined && (name === 'cat' || name === '')) return source.heredoc;
  return undefined;
}

/** redisPiece is one Redis command, its name upper-cased (Redis commands are case-insensitive). */
function redisPiece(words: readonly string[]): Piece {
  const [name = '', ...args] = words;
  const sub =
    /^(?:MEMORY|CONFIG|CLIENT|SLOWLOG|LATENCY|CLUSTER|SCRIPT|FUNCTION|XGROUP|XINFO|OBJECT|COMMAND)$/i.test(
      name,
    ) && args[0];
  return {
    scope: 'redis',
    text: [name.toUpperCase(), ...(sub ? [args[0]!.toUpperCase(), ...args.slice(1)] : args)].join(' '),
  };
}

function httpPiece(method: string, url: string, scan: Scan): void {
  scan.pieces.push({ scope: 'http', text: `${method.toUpperCase()} ${url}`.trim() });
}

function curlPiece(words: readonly string[], scan: Scan): void {
  let method: string | undefined;
  let data = false;
  let get = false;
  let head = false;
  let url = '';
  for (let k = 1; k < words.length; k++) {
    const w = words[k]!;
    if (w === '-X' || w === '--request' || /^-[a-zA-Z]+X$/.test(w)) method = words[++k];
    else if (/^-X./.test(w)) method = w.slice(2);
    else if (w.startsWith('--request=')) method = w.slice(10);
    else if (CURL_DATA.has(w)) {
      data = true;
      k++;
    } else if (/^(?:--data[\w-]*|--json|--form)=|^-d./.test(w)) data = true;
    else if (w === '-T' || w === '--upload-file') {
      method ??= 'PUT';
      k++;
    } else if (w === '-G' || w === '--get') get = true;
    else if (w === '-I' || w === '--head') head = true;
    else if (w === '--url') url ||= words[++k] ?? '';
    else if (CURL_VALUES.has(w)) k++;
    else if (!w.startsWith('-')) url ||= w;
  }
  httpPiece(method ?? (head ? 'HEAD' : data && !get ? 'POST' : 'GET'), url, scan);
}

function wgetPiece(words: readonly string[], scan: Scan): void {
  let method = 'GET';
  let url = '';
  for (let k = 1; k < words.length; k++) {
    const w = words[k]!;
    if (w === '--method') method = words[++k] ?? method;
    else if (w.startsWith('--method=')) method = w.slice(9);
    else if (/^--(?:post|body)-(?:data|file)/.test(w)) {
      method = method === 'GET' ? 'POST' : method;
      if (!w.includes('=')) k++;
    } else if (w === '--spider') method = 'HEAD';
    else if (WGET_VALUES.has(w)) k++;
    else if (!w.startsWith('-')) url ||= w;
  }
  httpPiece(method, url, scan);
}

function httpiePiece(words: readonly string[], scan: Scan): void {
  let k = skipOptions(words, 1, HTTPIE_VALUES);
  let method = '';
  if (/^[A-Za-z]+$/.test(words[k] ?? '') && words[k + 1] !== undefined) method = words[k++]!;
  const url = words[k] ?? '';
  const items = words.slice(k + 1);
  const data =
    words.includes('-f') || words.includes('--form') || items.some((w) => /^[^=:]+(?::=|=(?!=)|@)/.test(w));
  httpPiece(method || (data ? 'POST' : 'GET'), url, scan);
}

/** sqlPieces splits SQL into statements; an EXPLAIN without ANALYZE never runs its statement. */
function sqlPieces(sql: string, scan: Scan, depth: number): void {
  for (const statement of splitSql(sql)) {
    // `\! rm -rf …` runs a shell command from psql: it is read as one.
    const shell = /^\\!\s*(\S[\s\S]*)$/.exec(statement);
    if (shell && depth < MAX_DEPTH) {
      scanLines(shell[1]!, scan, depth + 1);
      continue;
    }
    const plansOnly =
      /^EXPLAIN\b/i.test(statement) &&
      !/^EXPLAIN\s*(?:\([^)]*\bANALY[SZ]E\b(?!\s+(?:FALSE|OFF|0)\b)|ANALY[SZ]E\b)/i.test(statement);
    scan.pieces.push({ scope: 'sql', text: plansOnly ? 'EXPLAIN' : statement });
  }
}

/** scanCode reads pasted code (or a config file) as lines; comment-only code is an instruction. */
function scanCode(text: string, mode: 'code' | 'config', scan: Scan, manual = true): void {
  const comments: string[] = [];
  let code = 0;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '') continue;
    if (/^(?:#|\/\/)/.test(line)) {
      comments.push(line.replace(/^(?:#+|\/{2,})\s*/, ''));
      continue;
    }
    code++;
    scan.pieces.push({ scope: mode, text: line.replace(/\s#\s[\s\S]*$/, '').trimEnd() });
  }
  if (code === 0 && comments.length > 0) scan.pieces.push({ scope: 'prose', text: comments.join('\n') });
  if (manual) scan.kinds.push('manual');
}

/** scanRedis reads a `redis` block: bare commands, or `redis-cli …` lines. */
function scanRedis(text: string, scan: Scan): void {
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    if (/^(?:redis-cli|docker|sudo)\b/.test(line)) scanLines(line, scan, 0);
    else {
      scan.pieces.push(redisPiece(line.replace(/^\S+:\d+>\s*/, '').split(/\s+/)));
      scan.kinds.push('redis');
    }
  }
}
