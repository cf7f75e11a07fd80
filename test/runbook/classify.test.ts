import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { classifyStep } from '../../src/runbook/import/classify.ts';
import type { Risk, StepKind } from '../../src/runbook/schema.ts';

/** A case: the step text, the fence's language, and the kind and risk it must get. */
type Case = readonly [run: string, lang: string, kind: StepKind, risk: Risk];

function check(cases: readonly Case[]): void {
  for (const [run, lang, kind, risk] of cases) {
    it(`${risk.padEnd(11)} ${kind.padEnd(6)} ${run.replace(/\s+/g, ' ').slice(0, 90)}`, () => {
      const got = classifyStep(run, { lang });
      assert.deepEqual({ kind: got.kind, risk: got.risk }, { kind, risk }, `reason: ${got.reason}`);
      assert.ok(got.reason.length > 0 && got.reason.length <= 80, `reason should be short: ${got.reason}`);
    });
  }
}

const FIXTURES = new URL('../fixtures/runbooks/', import.meta.url);

describe('classifyStep: runbook 000 (Paris Sportif, Render + Upstash)', () => {
  check([
    ['curl https://paris-sportif-api.onrender.com/health', 'bash', 'http', 'read'],
    ['curl https://paris-sportif-api.onrender.com/health/ready | jq .', 'bash', 'http', 'read'],
    ['grep "connection pool" logs.txt', 'bash', 'shell', 'read'],
    ['grep "Redis" logs.txt | grep "ERROR"', 'bash', 'shell', 'read'],
    ['grep "GROQ\\|Anthropic" logs.txt | grep "ERROR"', 'bash', 'shell', 'read'],
    ['git push origin main', 'bash', 'shell', 'write'],
    // A deploy hook redeploys the service: the deploy rule outranks "POST is a write".
    ['curl -X POST "$RENDER_DEPLOY_HOOK_URL"', 'bash', 'http', 'dangerous'],
    [
      'curl -w "\\nTime: %{time_total}s\\n" \\\n  https://paris-sportif-api.onrender.com/api/v1/predictions?limit=10',
      'bash',
      'http',
      'read',
    ],
    [
      'SELECT query, calls, mean_exec_time, max_exec_time\nFROM pg_stat_statements\nORDER BY mean_exec_time DESC\nLIMIT 10;',
      'sql',
      'sql',
      'read',
    ],
    // A bare statement inside a bash fence is still SQL.
    [
      "SELECT pid, now() - pg_stat_activity.query_start AS duration, query\nFROM pg_stat_activity\nWHERE state = 'active'\nORDER BY duration DESC;",
      'bash',
      'sql',
      'read',
    ],
    [
      "SELECT pg_terminate_backend(pid)\nFROM pg_stat_activity\nWHERE state = 'active' AND now() - query_start > interval '5 minutes';",
      'sql',
      'sql',
      'dangerous',
    ],
    ['redis-cli -u $REDIS_URL PING', 'bash', 'redis', 'read'],
    ['redis-cli -u $REDIS_URL INFO', 'bash', 'redis', 'read'],
    [
      'curl -X POST https://api.groq.com/openai/v1/chat/completions \\\n  -H "Authorization: Bearer $GROQ_API_KEY" \\\n  -H "Content-Type: application/json" \\\n  -d \'{"model": "llama-3.3-70b-versatile", "messages": [{"role": "user", "content": "test"}]}\'',
      'bash',
      'http',
      'write',
    ],
    ['git checkout -b chore/update-dependencies', 'bash', 'shell', 'write'],
    ['cd backend\nuv sync --upgrade', 'bash', 'shell', 'write'],
    ['uv run pytest tests/ -v', 'bash', 'shell', 'write'],
    ['uv run alembic upgrade head', '', 'shell', 'write'],
    [
      "DELETE FROM matches\nWHERE status = 'FINISHED'\n  AND match_date < NOW() - INTERVAL '1 year';",
      'sql',
      'sql',
      'destructive',
    ],
    ["DELETE FROM predictions\nWHERE created_at < NOW() - INTERVAL '6 months';", 'sql', 'sql', 'destructive'],
    ['VACUUM FULL ANALYZE;', 'sql', 'sql', 'dangerous'],
    // The whole maintenance block at once: the DELETEs win over VACUUM FULL.
    [
      "-- Supprimer matchs > 1 an\nDELETE FROM matches WHERE status = 'FINISHED';\n\n-- Vacuum\nVACUUM FULL ANALYZE;",
      'sql',
      'sql',
      'destructive',
    ],
    ['pg_dump $DATABASE_URL > backup_$(date +%Y%m%d).sql', 'bash', 'shell', 'write'],
    ['psql $DATABASE_URL < backup_20260205.sql', 'bash', 'shell', 'destructive'],
    [
      'curl https://2aa5655c-xxx.gcp.cloud.qdrant.io:6333/collections \\\n  -H "api-key: $QDRANT_API_KEY"',
      'bash',
      'http',
      'read',
    ],
    [
      'curl -w "\\nStatus: %{http_code}\\nTime: %{time_total}s\\n" \\\n  https://paris-sportif-api.onrender.com/health',
      'bash',
      'http',
      'read',
    ],
    // Python pasted in a runbook is code for a person to edit or run.
    [
      'engine = create_async_engine(\n    settings.database_url,\n    pool_size=20,  # 5 → 20\n    max_overflow=10,\n)',
      'python',
      'manual',
      'write',
    ],
    ['# src/llm/client.py\nUSE_LLM = False  # Emergency fallback', 'python', 'manual', 'write'],
    ['# Vérifier hit rate Redis\n# Upstash Dashboard → Metrics → Hit Rate', 'python', 'manual', 'read'],
    [
      'async def cleanup_old_news():\n    client = await get_qdrant_client()\n    client.delete(\n        collection_name="news",\n    )\n\nasyncio.run(cleanup_old_news())',
      'python',
      'manual',
      'destructive',
    ],
    // Comment-only groups of a bash fence, and the prose of list items.
    [
      'Restart manual\nDashboard → Settings → "Manual Deploy"\nOu rollback au dernier deploy stable',
      'bash',
      'manual',
      'dangerous',
    ],
    ['Dashboard → Status indicator (rouge = down)', 'bash', 'manual', 'read'],
    [
      'Render Dashboard → Environment Variables\nVérifier REDIS_URL format:\nrediss://default:PASSWORD@HOST:6379',
      'bash',
      'manual',
      'read',
    ],
    ['Attendre 2 minutes, service devrait redémarrer', '', 'manual', 'dangerous'],
    ['Attendre 2 minutes', '', 'manual', 'read'],
    ['Contacter Render Support', '', 'manual', 'read'],
    ['Rollback au dernier commit stable', '', 'manual', 'dangerous'],
    ['Deploy fix', '', 'manual', 'dangerous'],
    ['Upgrade plan Pay-As-You-Go ($0.002/10k req)', '', 'manual', 'write'],
    ['Select `paris-sportif-api` service', '', 'manual', 'read'],
    ['Find last working deploy (status: "Live")', '', 'manual', 'read'],
    ['Click "..." → "Redeploy"', '', 'manual', 'dangerous'],
    // Mojibake (UTF-8 read as cp1252), as the file really is.
    ['RedÃ©marrer service Render (restart manual)', '', 'manual', 'dangerous'],
  ]);
});

describe('classifyStep: runbook 001 (Vectra, Render + Celery)', () => {
  check([
    ['curl https://api.vectra.io/health', 'bash', 'http', 'read'],
    ['psql "postgres://..." -c "SELECT 1;"', 'bash', 'shell', 'read'],
    ['curl -I https://api.vectra.io/health', 'bash', 'http', 'read'],
    ['SELECT count(*) FROM pg_stat_activity;', 'sql', 'sql', 'read'],
    [
      "SELECT pg_terminate_backend(pid) \nFROM pg_stat_activity \nWHERE state = 'idle' \nAND query_start < now() - interval '10 min';",
      'sql',
      'sql',
      'dangerous',
    ],
    ['celery -A app.worker inspect active', 'bash', 'shell', 'read'],
    ['celery -A app.worker inspect stats', 'bash', 'shell', 'read'],
    ['redis-cli LLEN celery', 'bash', 'redis', 'read'],
    ['redis-cli INFO memory', 'bash', 'redis', 'read'],
    ['celery -A app.worker purge', 'bash', 'shell', 'destructive'],
    ['pg_dump "postgres://..." > backup.sql', 'bash', 'shell', 'write'],
    ['psql "postgres://..." < backup.sql', 'bash', 'shell', 'destructive'],
    ['psql "postgres://user:pass@host:port/db"', 'bash', 'shell', 'read'],
    [
      'SELECT relname, pg_size_pretty(pg_total_relation_size(relid))\nFROM pg_catalog.pg_statio_user_tables\nORDER BY pg_total_relation_size(relid) DESC;',
      'bash',
      'sql',
      'read',
    ],
    ['PostgreSQL > Backups > Select > Restore', 'bash', 'manual', 'destructive'],
    ['Push sur develop → Deploy Staging (auto)', '', 'manual', 'dangerous'],
    ['1. DÉTECTION → Alerte ou rapport', '', 'manual', 'read'],
    ['Si crash → Redémarrer service', '', 'manual', 'dangerous'],
    ['Redémarrer service', '', 'manual', 'dangerous'],
    ['Augmenter RAM', '', 'manual', 'write'],
    ['Dashboard SendGrid > Activity', '', 'manual', 'read'],
    ['Test de restore', '', 'manual', 'destructive'],
  ]);
});

describe('classifyStep: runbook 002 (Football Club Platform, docker-compose)', () => {
  check([
    ['curl http://localhost:8000/healthz', 'bash', 'http', 'read'],
    ['docker-compose exec db pg_isready -U app', 'bash', 'docker', 'read'],
    ['docker-compose exec redis redis-cli ping', 'bash', 'docker', 'read'],
    ['docker-compose ps', 'bash', 'docker', 'read'],
    ['make logs-backend', 'bash', 'shell', 'read'],
    [
      'docker-compose exec backend python -c "from app.database import engine; print(engine)"',
      'bash',
      'docker',
      'read',
    ],
    ['docker-compose restart backend', 'bash', 'docker', 'dangerous'],
    ['docker-compose restart db\nsleep 10\nmake migrate', 'bash', 'docker', 'dangerous'],
    ['sleep 10', 'bash', 'shell', 'read'],
    ['make migrate', 'bash', 'shell', 'write'],
    [
      'docker-compose exec db psql -U app -d football_club_platform -c "SELECT tablename, policyname FROM pg_policies LIMIT 10;"',
      'bash',
      'docker',
      'read',
    ],
    ['docker-compose logs worker', 'bash', 'docker', 'read'],
    ['docker-compose exec redis redis-cli LLEN rq:queue:default', 'bash', 'docker', 'read'],
    ['docker-compose exec redis redis-cli LLEN rq:queue:video', 'bash', 'docker', 'read'],
    ['docker-compose exec backend rq info --url redis://redis:6379/0', 'bash', 'docker', 'read'],
    ['docker-compose restart worker', 'bash', 'docker', 'write'],
    ['docker-compose exec redis redis-cli DEL rq:queue:failed', 'bash', 'docker', 'destructive'],
    [
      'docker-compose exec backend python -c "from rq import Queue; from redis import Redis; q = Queue(connection=Redis(host=\'redis\')); print(q.enqueue_many([...]))"',
      'bash',
      'docker',
      'write',
    ],
    [
      'docker-compose exec db psql -U app -d football_club_platform -c "SELECT count(*) FROM pg_stat_activity;"',
      'bash',
      'docker',
      'read',
    ],
    [
      'docker-compose exec db psql -U app -d football_club_platform -c "\nSELECT pid, usename, pg_blocking_pids(pid) as blocked_by, query\nFROM pg_stat_activity\nWHERE cardinality(pg_blocking_pids(pid)) > 0;\n"',
      'bash',
      'docker',
      'read',
    ],
    [
      'docker-compose exec db psql -U app -d football_club_platform -c "SELECT pg_terminate_backend(<PID>);"',
      'bash',
      'docker',
      'dangerous',
    ],
    ['DB_POOL_SIZE=50\nDB_MAX_OVERFLOW=20', 'bash', 'manual', 'write'],
    ['DB_POOL_SIZE=50', 'bash', 'manual', 'write'],
    ['FFMPEG_THREADS=8', 'bash', 'manual', 'write'],
    ['ENABLE_GPU=true', 'bash', 'manual', 'write'],
    ['JWT_SECRET=<new_secret>', 'bash', 'manual', 'write'],
    [
      'S3_ENDPOINT_URL=https://s3.eu-south-1.amazonaws.com\nS3_BUCKET=my-prod-bucket',
      'bash',
      'manual',
      'write',
    ],
    ['docker-compose ps worker', 'bash', 'docker', 'read'],
    ['docker stats', 'bash', 'docker', 'read'],
    ['docker-compose exec worker ps aux | grep ffmpeg', 'bash', 'docker', 'read'],
    ['docker-compose up -d --scale worker=3', 'bash', 'docker', 'write'],
    [
      'docker-compose exec db psql -U app -d football_club_platform -c "\nSELECT * FROM pg_policies WHERE tablename = \'players\';\n"',
      'bash',
      'docker',
      'read',
    ],
    ['make bench-rls-test', 'bash', 'shell', 'write'],
    ['cd backend && alembic downgrade -1', 'bash', 'shell', 'destructive'],
    ['cd backend && alembic upgrade head', 'bash', 'shell', 'write'],
    ['docker-compose stop backend', 'bash', 'docker', 'dangerous'],
    ['df -h', 'bash', 'shell', 'read'],
    ['curl http://localhost:9000/minio/health/live', 'bash', 'http', 'read'],
    ['docker-compose exec minio mc du myminio/football-media', 'bash', 'docker', 'read'],
    ['find /tmp -name "*.mp4" -mtime +7 -delete', 'bash', 'shell', 'destructive'],
    ['find logs/ -name "*.log" -mtime +7 -delete', 'bash', 'shell', 'destructive'],
    [
      "curl http://localhost:9090/api/v1/targets | jq '.data.activeTargets[] | {job: .labels.job, health: .health}'",
      'bash',
      'http',
      'read',
    ],
    ['make obs-down && make obs-up', 'bash', 'shell', 'dangerous'],
    ['cat infra/prometheus.yml', 'bash', 'shell', 'read'],
    ['docker-compose exec prometheus kill -HUP 1', 'bash', 'docker', 'write'],
    [
      'docker-compose exec db pg_dump -U app football_club_platform | gzip > backups/football_club_platform-$(date +%Y%m%d).sql.gz',
      'bash',
      'docker',
      'write',
    ],
    ['0 2 * * * cd /path/to/football_club_platform && make db-backup', 'bash', 'shell', 'write'],
    ['docker system prune -a --filter "until=168h"', 'bash', 'docker', 'dangerous'],
    ['certbot renew --nginx', 'bash', 'shell', 'write'],
    [
      'openssl x509 -in /etc/letsencrypt/live/football_club_platform.com/cert.pem -noout -dates',
      'bash',
      'shell',
      'read',
    ],
    ['openssl rand -hex 32', 'bash', 'shell', 'read'],
    ['Isolate: Stop affected services immediately', '', 'manual', 'dangerous'],
    ['Contain: Rotate secrets, revoke tokens, block IPs', '', 'manual', 'write'],
  ]);
});

describe('classifyStep: runbook 003 (Sylion, VPS + docker compose + nginx)', () => {
  const compose = 'ENV_FILE=.env.prod docker compose --env-file .env.prod -f docker-compose.prod.yml';
  check([
    ['ping api.sylion.tech', 'bash', 'shell', 'read'],
    ['sudo systemctl status nginx', 'bash', 'shell', 'read'],
    ['sudo nginx -t', 'bash', 'shell', 'read'],
    ['docker ps -a', 'bash', 'docker', 'read'],
    ['ss -tlnp | grep -E "80|443|8000"', 'bash', 'shell', 'read'],
    ['sudo ufw status', 'bash', 'shell', 'read'],
    ['sudo systemctl restart nginx', 'bash', 'shell', 'dangerous'],
    [`cd /srv/sylion\n${compose} up -d`, 'bash', 'docker', 'write'],
    ['sudo ufw allow 80/tcp', 'bash', 'shell', 'dangerous'],
    ['sudo ufw allow 443/tcp', 'bash', 'shell', 'dangerous'],
    ['docker ps | grep sylion-backend', 'bash', 'docker', 'read'],
    [
      "docker inspect sylion-backend --format='{{.State.Status}} {{.State.Health.Status}}'",
      'bash',
      'docker',
      'read',
    ],
    ['docker logs sylion-backend --tail=100', 'bash', 'docker', 'read'],
    ["docker inspect sylion-backend --format='{{.RestartCount}}'", 'bash', 'docker', 'read'],
    ['ss -tlnp | grep 8000', 'bash', 'shell', 'read'],
    ['sudo tail -50 /var/log/nginx/error.log', 'bash', 'shell', 'read'],
    [`cd /srv/sylion\n${compose} restart backend`, 'bash', 'docker', 'dangerous'],
    [`${compose} up -d --build backend`, 'bash', 'docker', 'dangerous'],
    ['docker logs sylion-redis --tail=50', 'bash', 'docker', 'read'],
    ['docker exec sylion-redis redis-cli -a "$REDIS_PASSWORD" ping', 'bash', 'docker', 'read'],
    ['docker exec sylion-redis redis-cli -a "$REDIS_PASSWORD" info memory', 'bash', 'docker', 'read'],
    ['docker exec sylion-redis redis-cli -a "$REDIS_PASSWORD" keys "bull:*"', 'bash', 'docker', 'read'],
    ['docker volume inspect sylion-redis-data', 'bash', 'docker', 'read'],
    [`cd /srv/sylion\n${compose} restart redis`, 'bash', 'docker', 'dangerous'],
    [`sleep 10\n${compose} restart backend`, 'bash', 'docker', 'dangerous'],
    ['docker exec sylion-redis redis-cli -a "$REDIS_PASSWORD" FLUSHDB', 'bash', 'docker', 'destructive'],
    ['docker exec sylion-redis redis-cli -a "$REDIS_PASSWORD" MEMORY PURGE', 'bash', 'docker', 'write'],
    ['docker exec sylion-postgres pg_isready -U sylion_user -d sylion_prod', 'bash', 'docker', 'read'],
    ['docker system df -v | grep postgres', 'bash', 'docker', 'read'],
    [
      'docker exec sylion-postgres psql -U sylion_user -d sylion_prod -c "SELECT count(*) FROM pg_stat_activity;"',
      'bash',
      'docker',
      'read',
    ],
    [
      'docker exec sylion-postgres psql -U sylion_user -d sylion_prod -c "SELECT * FROM pg_locks WHERE NOT granted;"',
      'bash',
      'docker',
      'read',
    ],
    [`cd /srv/sylion\n${compose} restart postgres`, 'bash', 'docker', 'dangerous'],
    [
      "docker exec sylion-postgres psql -U sylion_user -d sylion_prod -c \"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE state = 'idle' AND query_start < now() - interval '10 minutes';\"",
      'bash',
      'docker',
      'dangerous',
    ],
    ['docker logs sylion-postgres --tail=200 | grep -i corrupt', 'bash', 'docker', 'read'],
    [
      'cd /srv/sylion\nENV_FILE=.env.prod ./scripts/restore_postgres.sh backups/postgres/sylion_YYYY-MM-DD_HHMMSS.sql.gz',
      'bash',
      'shell',
      'destructive',
    ],
    ['du -sh /* 2>/dev/null | sort -hr | head -10', 'bash', 'shell', 'read'],
    ['docker system df', 'bash', 'docker', 'read'],
    ['du -sh /var/lib/docker/containers/*/*.log | sort -hr | head -5', 'bash', 'shell', 'read'],
    ['du -sh /srv/sylion/backups/', 'bash', 'shell', 'read'],
    ['docker system prune -af --volumes', 'bash', 'docker', 'destructive'],
    ['sudo truncate -s 0 /var/lib/docker/containers/*/*-json.log', 'bash', 'shell', 'destructive'],
    [
      "ls -lt /srv/sylion/backups/postgres/ | tail -n +8 | awk '{print $NF}' | xargs -I {} rm /srv/sylion/backups/postgres/{}",
      'bash',
      'shell',
      'destructive',
    ],
    ['sudo apt autoremove -y', 'bash', 'shell', 'write'],
    ['sudo apt clean', 'bash', 'shell', 'write'],
    ['sudo journalctl --vacuum-time=3d', 'bash', 'shell', 'destructive'],
    [`cd /srv/sylion\n${compose} restart`, 'bash', 'docker', 'dangerous'],
    ['uptime', 'bash', 'shell', 'read'],
    ['top -bn1 | head -20', 'bash', 'shell', 'read'],
    ['free -h', 'bash', 'shell', 'read'],
    ['iostat -x 1 5', 'bash', 'shell', 'read'],
    ['docker stats --no-stream', 'bash', 'docker', 'read'],
    ['ss -s', 'bash', 'shell', 'read'],
    ['docker restart sylion-backend', 'bash', 'docker', 'dangerous'],
    [
      'docker exec sylion-postgres psql -U sylion_user -d sylion_prod -c "SELECT pid, now() - query_start AS duration, query FROM pg_stat_activity WHERE state = \'active\' ORDER BY duration DESC LIMIT 5;"',
      'bash',
      'docker',
      'read',
    ],
    [
      "docker exec sylion-postgres psql -U sylion_user -d sylion_prod -c \"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE state = 'active' AND query_start < now() - interval '5 minutes';\"",
      'bash',
      'docker',
      'dangerous',
    ],
    [
      'psql $DATABASE_URL -c "\n  SELECT id, name, status, error_reason, created_at\n  FROM knowledge_documents\n  WHERE tenant_id = \'TENANT_UUID\'\n  ORDER BY created_at DESC LIMIT 10;\n"',
      'bash',
      'shell',
      'read',
    ],
    [
      "psql $DATABASE_URL -c \"\n  SELECT t.id, t.plan_code, p.limits_json->>'maxDailyIndexing' as daily_limit\n  FROM tenants t\n  JOIN plans p ON t.plan_code = p.code\n  WHERE t.id = 'TENANT_UUID';\n\"",
      'bash',
      'shell',
      'read',
    ],
    ['docker exec sylion-redis redis-cli keys "bull:rag:index-document:failed*"', 'bash', 'docker', 'read'],
    [
      "psql $DATABASE_URL -c \"\n  UPDATE tenants SET plan_code = 'pro' WHERE id = 'TENANT_UUID';\n\"",
      'bash',
      'shell',
      'write',
    ],
    [
      'psql $DATABASE_URL -c "\n  UPDATE usage_counters_daily\n  SET docs_indexed_count = 0\n  WHERE tenant_id = \'TENANT_UUID\' AND date = CURRENT_DATE;\n"',
      'bash',
      'shell',
      'write',
    ],
    [
      'curl -X POST http://localhost:3000/admin/knowledge/documents/DOC_UUID/reindex \\\n  -H "X-Tenant-ID: TENANT_UUID"',
      'bash',
      'http',
      'write',
    ],
    ['pg_isready -h localhost -p 5433', 'bash', 'shell', 'read'],
    [
      'psql "postgres://sylion_dev:dev_password@localhost:5433/sylion_dev" \\\n  -f drizzle/0003_add_plans_and_knowledge.sql',
      'bash',
      'shell',
      'write',
    ],
    [`cd /srv/sylion\n${compose} down`, 'bash', 'docker', 'dangerous'],
    [`${compose} up -d --build`, 'bash', 'docker', 'dangerous'],
    [`${compose} logs -f --tail=100`, 'bash', 'docker', 'read'],
    ['docker ps --format "table {{.Names}}\\t{{.Status}}\\t{{.Ports}}"', 'bash', 'docker', 'read'],
    ['curl -s http://127.0.0.1:8000/health | jq .', 'bash', 'http', 'read'],
    ['ENV_FILE=.env.prod ./scripts/backup_postgres.sh', 'bash', 'shell', 'write'],
    ['→ Reboot via panel hébergeur\n→ Vérifier console VPS', 'bash', 'manual', 'dangerous'],
    // Mac Roman mojibake, as the file really is.
    ['V√©rifier .env.prod et corriger', 'bash', 'manual', 'write'],
  ]);
});

describe('classifyStep: runbook 004 (Poker France Tournaments, ingestion job)', () => {
  check([
    // Scripts Vigie cannot see into are never `read`: read steps run without asking.
    ['poetry run python ingestion/run_all.py', 'bash', 'shell', 'write'],
    ['poetry run python normalize/normalizer.py', 'bash', 'shell', 'write'],
    [
      'curl -u $ADMIN_USERNAME:$ADMIN_PASSWORD -X POST https://<api-url>/admin/ingest',
      'bash',
      'http',
      'write',
    ],
    ['DATABASE_URL=$DATABASE_URL python monitoring/data_freshness.py', 'bash', 'shell', 'write'],
    ['API_URL=https://<api-url> python monitoring/endpoint_checks.py', 'bash', 'shell', 'write'],
    ['flyctl logs -a <app-name>', '', 'shell', 'read'],
    ['grep "sendgrid" logs.txt', '', 'shell', 'read'],
  ]);
});

describe('classifyStep: destructive rules', () => {
  check([
    ['redis-cli FLUSHDB', '', 'redis', 'destructive'],
    ['redis-cli flushall', '', 'redis', 'destructive'],
    ['redis-cli -h cache -p 6380 -n 2 UNLINK bull:queue:wait', '', 'redis', 'destructive'],
    ["redis-cli --scan --pattern 'bull:*' | xargs redis-cli del", '', 'redis', 'destructive'],
    ['FLUSHDB', 'redis', 'redis', 'destructive'],
    ['127.0.0.1:6379> DEL rq:queue:failed', 'redis', 'redis', 'destructive'],
    ['FLUSHALL', '', 'redis', 'destructive'],
    ['redis-cli LTRIM rq:queue:failed 0 0', '', 'redis', 'destructive'],
    ['rq empty failed', '', 'shell', 'destructive'],
    ['npm run queue:purge', '', 'shell', 'destructive'],
    ['node scripts/obliterate-queue.js', '', 'shell', 'destructive'],
    ['./scripts/drain_queue.sh video', '', 'shell', 'destructive'],
    ['await queue.obliterate({ force: true })', 'javascript', 'manual', 'destructive'],
    ['TRUNCATE TABLE events;', 'sql', 'sql', 'destructive'],
    ['truncate events;', 'sql', 'sql', 'destructive'],
    ['DROP TABLE IF EXISTS old_matches;', 'sql', 'sql', 'destructive'],
    ['DROP DATABASE staging;', 'sql', 'sql', 'destructive'],
    ['drop schema archive cascade;', '', 'sql', 'destructive'],
    ['ALTER TABLE players DROP COLUMN legacy_id;', 'sql', 'sql', 'destructive'],
    [
      'WITH gone AS (DELETE FROM jobs WHERE done RETURNING id) SELECT count(*) FROM gone;',
      'sql',
      'sql',
      'destructive',
    ],
    // EXPLAIN ANALYZE runs the statement: this really deletes the rows.
    ['EXPLAIN ANALYZE DELETE FROM jobs WHERE done;', 'sql', 'sql', 'destructive'],
    ['psql $DATABASE_URL -c "DELETE FROM sessions WHERE expired"', '', 'shell', 'destructive'],
    ['psql $DATABASE_URL <<EOF\nTRUNCATE audit_log;\nEOF', '', 'shell', 'destructive'],
    ['docker volume rm sylion-redis-data', '', 'docker', 'destructive'],
    ['docker volume prune -f', '', 'docker', 'destructive'],
    ['docker compose down -v', '', 'docker', 'destructive'],
    ['docker-compose down --volumes', '', 'docker', 'destructive'],
    ['rm -rf /var/lib/postgresql/data', '', 'shell', 'destructive'],
    ['sudo rm /srv/backups/old.sql.gz', '', 'shell', 'destructive'],
    ['/bin/rm -f x', '', 'shell', 'destructive'],
    ['find . -name "*.tmp" -exec rm {} \\;', '', 'shell', 'destructive'],
    ['truncate -s 0 /var/log/app.log', '', 'shell', 'destructive'],
    ['> /var/log/nginx/access.log', '', 'shell', 'destructive'],
    ['journalctl --vacuum-size=500M', '', 'shell', 'destructive'],
    ['gunzip -c backup.sql.gz | psql $DATABASE_URL', '', 'shell', 'destructive'],
    ['psql -d app -f backups/dump_2026.sql', '', 'shell', 'destructive'],
    ['pg_restore --clean -d app backup.dump', '', 'shell', 'destructive'],
    ['docker compose exec -T db pg_restore -c -U app -d app < backup.dump', '', 'docker', 'destructive'],
    ['./scripts/restore_postgres.sh latest', '', 'shell', 'destructive'],
    ['alembic downgrade base', '', 'shell', 'destructive'],
    ['poetry run alembic downgrade -1', '', 'shell', 'destructive'],
    ['python -m alembic downgrade -1', '', 'shell', 'destructive'],
    ['dropdb staging', '', 'shell', 'destructive'],
    ['kubectl exec -it redis-0 -- redis-cli FLUSHALL', '', 'shell', 'destructive'],
    ['ssh prod "rm -rf /srv/app/uploads/tmp"', '', 'shell', 'destructive'],
    ['docker exec app sh -c "rm -rf /data/cache/*"', '', 'docker', 'destructive'],
    ['for f in /srv/backups/*.gz; do rm "$f"; done', '', 'shell', 'destructive'],
    ['celery -A proj purge -f', '', 'shell', 'destructive'],
    ['Supprimer vieux backups manuellement', '', 'manual', 'destructive'],
    ['Purge the failed queue', '', 'manual', 'destructive'],
  ]);
});

describe('classifyStep: dangerous rules', () => {
  check([
    ['SELECT pg_cancel_backend(12345);', 'sql', 'sql', 'dangerous'],
    ['VACUUM (FULL, VERBOSE) matches;', 'sql', 'sql', 'dangerous'],
    ['kill 4242', '', 'shell', 'dangerous'],
    ['sudo kill -9 <PID>', '', 'shell', 'dangerous'],
    ['pkill -f gunicorn', '', 'shell', 'dangerous'],
    ['sudo systemctl stop postgresql', '', 'shell', 'dangerous'],
    ['sudo service redis-server restart', '', 'shell', 'dangerous'],
    ['docker compose restart backend', '', 'docker', 'dangerous'],
    ['docker-compose stop backend', '', 'docker', 'dangerous'],
    ['docker compose down', '', 'docker', 'dangerous'],
    ['docker restart sylion-postgres', '', 'docker', 'dangerous'],
    ['docker compose up -d --force-recreate', '', 'docker', 'dangerous'],
    ['sudo reboot', '', 'shell', 'dangerous'],
    ['docker system prune -af', '', 'docker', 'dangerous'],
    ['redis-cli SHUTDOWN NOSAVE', '', 'redis', 'dangerous'],
    ['sudo iptables -A INPUT -p tcp --dport 22 -j DROP', '', 'shell', 'dangerous'],
    ['kubectl rollout undo deployment/api', '', 'shell', 'dangerous'],
    ['flyctl deploy', '', 'shell', 'dangerous'],
    ['./deploy.sh production', '', 'shell', 'dangerous'],
    ['make rollback', '', 'shell', 'dangerous'],
    ['git push --force origin main', '', 'shell', 'dangerous'],
  ]);
});

describe('classifyStep: write rules', () => {
  check([
    ['docker-compose restart worker', '', 'docker', 'write'],
    ['docker compose restart worker video-worker', '', 'docker', 'write'],
    ['sudo systemctl restart celery-worker', '', 'shell', 'write'],
    ['docker compose up -d', '', 'docker', 'write'],
    ['docker compose up -d --scale worker=3', '', 'docker', 'write'],
    ["UPDATE tenants SET plan_code = 'pro' WHERE id = 1;", 'sql', 'sql', 'write'],
    ["INSERT INTO plans (code) VALUES ('pro');", 'sql', 'sql', 'write'],
    ['VACUUM ANALYZE;', 'sql', 'sql', 'write'],
    ['ANALYZE matches;', 'sql', 'sql', 'write'],
    ['EXPLAIN ANALYZE UPDATE t SET x = 1;', 'sql', 'sql', 'write'],
    ['CREATE INDEX CONCURRENTLY idx_matches_date ON matches (match_date);', 'sql', 'sql', 'write'],
    ['curl -X PUT https://api.example.com/flags/x -d on=true', '', 'http', 'write'],
    ['curl -X PATCH https://api.example.com/tenants/1', '', 'http', 'write'],
    ['curl -X DELETE https://api.example.com/sessions/1', '', 'http', 'write'],
    ['curl -d "a=1" https://api.example.com/jobs', '', 'http', 'write'],
    ['http POST https://api.example.com/jobs name=x', '', 'http', 'write'],
    ['wget --post-data "x=1" https://api.example.com/jobs', '', 'http', 'write'],
    ['POST /admin/ingest', '', 'http', 'write'],
    ['export DB_POOL_SIZE=50', '', 'shell', 'write'],
    ['kill -HUP 1', '', 'shell', 'write'],
    ['sudo nginx -s reload', '', 'shell', 'write'],
    ['sudo systemctl reload nginx', '', 'shell', 'write'],
    ['redis-cli CONFIG SET maxmemory 2gb', '', 'redis', 'write'],
    ['redis-cli MEMORY PURGE', '', 'redis', 'write'],
    ['pg_dump -Fc app -f /srv/backups/app.dump', '', 'shell', 'write'],
    ['sed -i "s/5/20/" .env', '', 'shell', 'write'],
    ['echo "DB_POOL_SIZE=50" >> .env', '', 'shell', 'write'],
    ['DB_POOL_SIZE: 50', 'yaml', 'manual', 'write'],
    ['Scale up DB plan', '', 'manual', 'write'],
  ]);
});

describe('classifyStep: read rules and what must not be over-classified', () => {
  check([
    ['grep "DELETE" logs.txt', '', 'shell', 'read'],
    ['grep -c "FLUSHDB" /var/log/redis/redis.log', '', 'shell', 'read'],
    ['grep "purge" worker.log | tail -20', '', 'shell', 'read'],
    ['cat restore_notes.txt', '', 'shell', 'read'],
    ['docker logs sylion-backend 2>&1 | grep -i "delete from"', '', 'docker', 'read'],
    ["redis-cli GET 'session:DEL'", '', 'redis', 'read'],
    ['curl https://api.example.com/admin/delete-preview', '', 'http', 'read'],
    ['curl -G -d "q=1" https://api.example.com/search', '', 'http', 'read'],
    ['GET /health/ready', '', 'http', 'read'],
    ["SELECT count(*) FROM audit WHERE action = 'delete';", 'sql', 'sql', 'read'],
    ['EXPLAIN DELETE FROM jobs WHERE done;', 'sql', 'sql', 'read'],
    ['EXPLAIN ANALYZE SELECT * FROM matches;', 'sql', 'sql', 'read'],
    ['\\dt+', 'sql', 'sql', 'read'],
    ['select * from pg_stat_activity', '', 'sql', 'read'],
    ['find /var/log -name "*.gz" -mtime +30', '', 'shell', 'read'],
    ['ls -la /srv/sylion/backups/', '', 'shell', 'read'],
    ['systemctl status postgresql', '', 'shell', 'read'],
    ['kubectl get pods -n prod', '', 'shell', 'read'],
    ['journalctl -u nginx --since "1 hour ago"', '', 'shell', 'read'],
    ['redis-cli --bigkeys', '', 'redis', 'read'],
    ['redis-cli -a secret --no-auth-warning XINFO GROUPS bull:events', '', 'redis', 'read'],
    ['cd /srv/sylion', '', 'shell', 'read'],
    ['sleep 30', '', 'shell', 'read'],
    ['{"status": "ready", "database": true}', 'json', 'manual', 'read'],
    [
      '{\n  "status": "ready",\n  "llm_api": true  # Doit être true si ANTHROPIC_API_KEY configuré\n}',
      'bash',
      'manual',
      'read',
    ],
    ['{ rm -rf /tmp/x; }', 'bash', 'shell', 'destructive'],
    ['Monitor logs for 5 minutes', '', 'manual', 'read'],
    ['Go to https://dashboard.render.com', '', 'manual', 'read'],
    ['', '', 'manual', 'read'],
  ]);
});

describe('classifyStep: reasons', () => {
  it('names the rule that decided', () => {
    assert.match(classifyStep('docker exec r redis-cli FLUSHDB').reason, /FLUSHDB/);
    assert.match(classifyStep('DELETE FROM t;', { lang: 'sql' }).reason, /DELETE/);
    assert.match(classifyStep('celery -A app purge').reason, /purge/);
    assert.match(classifyStep('SELECT pg_terminate_backend(1);').reason, /pg_terminate_backend/);
    assert.match(classifyStep('docker exec r redis-cli MEMORY PURGE').reason, /MEMORY PURGE/);
    assert.match(classifyStep('make bench-rls-test').reason, /make bench-rls-test/);
    assert.match(classifyStep('CREATE INDEX i ON t (x);', { lang: 'sql' }).reason, /CREATE/);
    assert.ok(classifyStep(`psql -c "${'x'.repeat(5000)}`).reason.length <= 80);
  });

  it('keeps the highest risk across a block and reports its rule', () => {
    const block = 'docker ps\ndocker compose restart backend\ndocker exec r redis-cli FLUSHALL\nrm -f /tmp/x';
    const got = classifyStep(block, { lang: 'bash' });
    assert.equal(got.risk, 'destructive');
    assert.match(got.reason, /FLUSHALL/);
  });

  it('accepts a fence info string with attributes and an absent hint', () => {
    assert.equal(classifyStep('DELETE FROM t;', { lang: 'SQL title="cleanup"' }).kind, 'sql');
    assert.equal(classifyStep('df -h').risk, 'read');
    assert.equal(classifyStep('`uv run alembic upgrade head`').risk, 'write');
  });
});

/** Every fenced block in the real runbooks, cut into lines: the raw material for the sweeps below. */
function fixtureBlocks(): { file: string; lang: string; lines: string[] }[] {
  const blocks: { file: string; lang: string; lines: string[] }[] = [];
  for (const file of readdirSync(FIXTURES).filter((name) => name.endsWith('.txt'))) {
    const text = readFileSync(new URL(file, FIXTURES), 'utf8');
    for (const match of text.matchAll(/^```(\w*)\n([\s\S]*?)^```/gm)) {
      blocks.push({ file, lang: match[1]!, lines: match[2]!.split('\n') });
    }
  }
  return blocks;
}

describe('classifyStep: sweeps over the real runbooks', () => {
  const blocks = fixtureBlocks();

  it('finds the fixtures', () => {
    assert.equal(readdirSync(FIXTURES).filter((name) => name.endsWith('.txt')).length, 5);
    assert.ok(blocks.length > 60, `only ${blocks.length} blocks`);
  });

  it('never calls a line that can lose data `read`, nor anything less than destructive', () => {
    const losesData =
      /\b(?:FLUSHDB|FLUSHALL|DELETE FROM|TRUNCATE)\b|redis-cli\b.*\sDEL\s|\bpurge\b(?!.*MEMORY)|prune\b.*--volumes|(?:^|\s|\|\s*xargs\s.*)rm\s|-delete\b|truncate -s|--vacuum-|restore_\w+\.sh|psql\s[^"]*\s<\s|alembic downgrade/;
    let seen = 0;
    for (const block of blocks) {
      for (const line of block.lines) {
        if (/^\s*#/.test(line) || !losesData.test(line)) continue;
        seen++;
        const got = classifyStep(line.trim(), { lang: block.lang });
        assert.equal(got.risk, 'destructive', `${block.file}: ${line.trim()} → ${got.risk} (${got.reason})`);
      }
    }
    assert.ok(seen >= 14, `expected the fixtures' destructive commands, saw ${seen}`);
  });

  it('classifies whole blocks as at least as risky as their riskiest line', () => {
    const rank: Record<Risk, number> = { read: 0, write: 1, dangerous: 2, destructive: 3 };
    for (const block of blocks) {
      const whole = classifyStep(block.lines.join('\n'), { lang: block.lang });
      for (const line of block.lines) {
        if (line.trim() === '' || /\\$/.test(line) || /["']\s*$/.test(line) || /^\s/.test(line)) continue;
        const one = classifyStep(line, { lang: block.lang });
        if (one.kind === 'manual' || one.kind === 'sql') continue; // prose and SQL read across lines
        assert.ok(
          rank[whole.risk] >= rank[one.risk],
          `${block.file}: block ${whole.risk} < line ${one.risk}: ${line}`,
        );
      }
    }
  });

  // No time bound here (speed is the benchmarks' business): a run that ends is the test.
  it("classifies a 1 MB document's steps without hanging", () => {
    const lines = blocks.flatMap((block) => block.lines.map((line) => ({ line, lang: block.lang })));
    const size = lines.reduce((sum, { line }) => sum + line.length + 1, 0);
    const rounds = Math.ceil(1_000_000 / size);
    let destructive = 0;
    for (let r = 0; r < rounds; r++)
      for (const { line, lang } of lines)
        if (classifyStep(line, { lang }).risk === 'destructive') destructive++;
    assert.ok(destructive > 0);
  });
});

describe('classifyStep: wrapped, quoted and piped commands', () => {
  check([
    // A backslash before a command word only bypasses an alias; `\dt` is psql only in SQL.
    ['\\rm -rf /var/lib/app/cache', '', 'shell', 'destructive'],
    ['\\rm -rf /var/lib/app/cache', 'bash', 'shell', 'destructive'],
    ['\\dt+', 'sql', 'sql', 'read'],
    ['psql -c "\\dt"', '', 'shell', 'read'],
    // watch runs its arguments as a `sh -c` script; the other wrappers are read through too.
    ['watch -n 5 "redis-cli FLUSHALL"', '', 'redis', 'destructive'],
    ['watch -n 5 redis-cli INFO', '', 'redis', 'read'],
    ['watch -n1 "ps aux | grep celery"', '', 'shell', 'read'],
    ['timeout 10 "redis-cli FLUSHALL"', '', 'redis', 'destructive'],
    ['timeout 10 redis-cli FLUSHALL', '', 'redis', 'destructive'],
    ['timeout 5 curl -s http://localhost/health', '', 'http', 'read'],
    ['nice -n 10 "rm -rf /srv/cache"', '', 'shell', 'destructive'],
    ['nohup "rm -rf /srv/cache" &', '', 'shell', 'destructive'],
    ['env VAR=x redis-cli FLUSHDB', '', 'redis', 'destructive'],
    ['env -S "redis-cli FLUSHDB"', '', 'redis', 'destructive'],
    ['echo key | xargs "redis-cli del"', '', 'redis', 'destructive'],
    ['time "rm -rf /srv/cache"', '', 'shell', 'destructive'],
    ['docker exec r watch redis-cli INFO', '', 'docker', 'read'],
    // `-3` (RESP3) is a flag, not an option with a value.
    ['redis-cli -3 FLUSHDB', '', 'redis', 'destructive'],
    ['redis-cli -n 2 -3 FLUSHDB', '', 'redis', 'destructive'],
    ['redis-cli -2 INFO', '', 'redis', 'read'],
    ['redis-cli --cluster call 127.0.0.1:7000 FLUSHALL', '', 'redis', 'destructive'],
    // What is piped into redis-cli or psql is its commands.
    ['echo FLUSHDB | redis-cli', '', 'redis', 'destructive'],
    ['printf "PING\\nFLUSHALL\\n" | redis-cli -h cache', '', 'redis', 'destructive'],
    ['cat <<EOF | redis-cli\nFLUSHALL\nEOF', '', 'shell', 'destructive'],
    ['echo PING | redis-cli', '', 'redis', 'read'],
    ['echo "DELETE FROM sessions" | psql $DATABASE_URL', '', 'shell', 'destructive'],
    ['echo "SELECT 1" | psql $DATABASE_URL', '', 'shell', 'read'],
    ['unlink /srv/uploads/tmp.bin', '', 'shell', 'destructive'],
    ['find /srv -name "*.tmp" -exec unlink {} \\;', '', 'shell', 'destructive'],
    // A new line ends a command even right after a pipe: `wc` and `rm` are two commands.
    ['ls | wc\nrm -rf /srv/data', 'bash', 'shell', 'destructive'],
    // psql meta-commands: `\!` runs a shell command, `\copy` writes; a meta-command ends its line.
    ['\\! rm -rf /var/lib/postgresql/data', 'sql', 'shell', 'destructive'],
    ['docker compose exec -T db psql -U app <<SQL\n\\! rm -rf /data\nSQL', '', 'docker', 'destructive'],
    ['psql -c "\\copy t from x.csv"', '', 'shell', 'write'],
    ['psql <<EOF\n\\dt\nVACUUM FULL;\nEOF', '', 'shell', 'dangerous'],
    ['\\lo_unlink 12345', 'sql', 'sql', 'destructive'],
  ]);
});

describe('classifyStep: HTTP requests that delete a store', () => {
  check([
    ['curl -X DELETE https://qdrant:6333/collections/x', '', 'http', 'destructive'],
    ['curl -XDELETE localhost:9200/logs-2024', '', 'http', 'destructive'],
    ['http DELETE https://rabbit:15672/api/queues/%2F/jobs', '', 'http', 'destructive'],
    ['wget --method=DELETE https://s3.example.com/buckets/media', '', 'http', 'destructive'],
    [
      'curl -X POST https://qdrant:6333/collections/news/points/delete -d @ids.json',
      '',
      'http',
      'destructive',
    ],
    // Deleting one record is still a write.
    ['curl -X DELETE https://api.example.com/sessions/1', '', 'http', 'write'],
    ['curl https://qdrant:6333/collections/x', '', 'http', 'read'],
  ]);
});

describe('classifyStep: the safety net', () => {
  check([
    // Commands the rules cannot see into: the net reads their words.
    ['flock /tmp/lock rm -rf /srv/data', '', 'shell', 'destructive'],
    ['awk \'{system("rm " $1)}\' stale.txt', '', 'shell', 'destructive'],
    ['some-tool --exec "DROP TABLE sessions"', '', 'shell', 'destructive'],
    ['printf "FLUSHALL\\r\\n" | nc localhost 6379', '', 'shell', 'destructive'],
    ['rabbitmqadmin purge queue name=jobs', '', 'shell', 'destructive'],
    ['aws sqs purge-queue --queue-url "$QUEUE_URL"', '', 'shell', 'destructive'],
    ['node scripts/reset.js && ./bin/tool unlink --all', '', 'shell', 'destructive'],
    ['./cli queues obliterate --force', '', 'shell', 'destructive'],
    ['./tool --then "find /srv/tmp -delete"', '', 'shell', 'destructive'],
    ['EXPLAIN (ANALYZE false) DELETE FROM jobs;', 'sql', 'sql', 'destructive'],
    // What cannot run stays as the rules decided.
    ['redis-cli MEMORY PURGE', '', 'redis', 'write'],
    ['docker exec celery-redis redis-cli MEMORY PURGE', '', 'docker', 'write'],
    ['grep "DELETE" logs.txt', '', 'shell', 'read'],
    ['sudo grep -rn "rm -rf" /srv/scripts', '', 'shell', 'read'],
    ['tail -f /var/log/redis/flushall.log', '', 'shell', 'read'],
    ['echo "never run TRUNCATE by hand"', '', 'shell', 'read'],
    ["jq 'del(.secrets)' config.json", '', 'shell', 'read'],
    ["redis-cli GET 'session:DEL'", '', 'redis', 'read'],
    ['docker image rm sylion-backend:old', '', 'docker', 'write'],
    ['git rm docs/old.md', '', 'shell', 'write'],
    ['EXPLAIN DELETE FROM jobs WHERE done;', 'sql', 'sql', 'read'],
    ['0 2 * * * cd /path/to/football_club_platform && make db-backup', 'bash', 'shell', 'write'],
  ]);

  it('says that the net caught the step', () => {
    assert.match(classifyStep('flock /tmp/lock rm -rf /srv/data').reason, /safety net.*\brm\b/);
    assert.match(classifyStep('some-tool --exec "DROP TABLE sessions"').reason, /safety net.*DROP/);
  });

  it('also covers example output', () => {
    assert.equal(classifyStep('{"status": "ready"}', { lang: 'json' }).risk, 'read');
    assert.equal(classifyStep('FLUSHALL', { lang: 'output' }).risk, 'destructive');
  });
});

/**
 * Inputs built to make a tokenizer loop or a backtracking pattern super-linear. There is no time bound
 * (timings belong to the benchmarks): a quadratic path on these sizes takes minutes, which a run shows.
 */
describe('classifyStep: adversarial inputs end', () => {
  const K = 200_000;
  const inputs: readonly (readonly [name: string, run: string, lang?: string])[] = [
    ['200 KB of "', '"'.repeat(K)],
    ['200 KB of \\', '\\'.repeat(K)],
    ['200 KB of $(', '$('.repeat(K / 2)],
    ["200 KB of 'a' ", "'a' ".repeat(K / 4)],
    ['200 KB of `', '`'.repeat(K)],
    ['50k nested parentheses', `${'('.repeat(50_000)}${')'.repeat(50_000)}`],
    ['50k nested $(', `echo ${'$('.repeat(50_000)}x${')'.repeat(50_000)}`],
    ['a 1 MB psql here-document', `psql <<EOF\n${'SELECT 1;\n'.repeat(100_000)}EOF`],
    ['a 1 MB redis-cli here-document', `redis-cli <<EOF\n${'GET k\n'.repeat(170_000)}EOF`],
    ['a 1 MB here-document that never closes', `cat <<EOF\n${'x\n'.repeat(500_000)}`],
    ['200 KB of here-document operators', '<<A;'.repeat(K / 4)],
    ['200 KB of commands', 'ls;'.repeat(K / 3)],
    ['200 KB of pipes', 'ls|'.repeat(K / 3)],
    ['200 KB of ssh', 'ssh h '.repeat(K / 6)],
    ['a 200 KB flag of v', `docker compose down -${'v'.repeat(K)}1`],
    ['a 200 KB flag of v to docker rm', `docker rm -${'v'.repeat(K)}1`],
    ['a 200 KB worker name', `docker restart ${'worker'.repeat(K / 6)} x`],
    ['200 KB of worker options', `docker compose restart${' -worker'.repeat(K / 8)} x`],
    ['a 200 KB sed flag', `sed -${'i'.repeat(K)}0`],
    ['a 200 KB make target', `make ${'ps'.repeat(K / 2)}!`],
    ['a 200 KB first word', 'a-'.repeat(K / 2)],
    ['200 KB of spaces before a comment', `x = 1${' '.repeat(K)}y`, 'python'],
    ['a 200 KB print call', `print(${'set'.repeat(K / 3)} x`, 'python'],
    ['200 KB of blank lines after a colon', `Note:${' '.repeat(K)}x`],
    ['200 KB of comment lines', `# a${'\n#'.repeat(K / 2)} ª`],
    ['200 KB of SQL comment lines', `-${'\n\t'.repeat(K / 2)}x`, 'sql'],
    ['a 200 KB indent', `ls\n${' '.repeat(K)}${'a'.repeat(K)}`],
    ['200 KB of ! before a word', `${'!'.repeat(K)}`],
    ['200 KB of spaces before rm', `/${'\t'.repeat(K)}`],
    ['200 KB of spaces before purge', `celery${' '.repeat(K)}purgex`],
    ['200 KB of ;--', `SELECT 1${';--'.repeat(K / 3)}`],
    ['200 KB of find', `find ${'find '.repeat(K / 5)}`],
    ['200 KB of prune', `${'prune '.repeat(K / 6)}x`],
  ];
  for (const [name, run, lang] of inputs) {
    it(name, () => {
      const got = classifyStep(run, { lang });
      assert.ok(got.reason.length > 0 && got.reason.length <= 80, got.reason);
    });
  }
});
