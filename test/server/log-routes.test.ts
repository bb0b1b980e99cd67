/**
 * The log routes' answers around the happy path (test/cluster/logs.test.ts runs that on real
 * processes): a process without a log file, a TaskManager that does not answer within the deadline
 * (over a real control connection, whose far end reads the request and never answers), one that is
 * lost while the JobManager waits.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { WeirError } from '../../src/core/errors.ts';
import { processLogger } from '../../src/core/logger.ts';
import { RemoteTaskManager } from '../../src/runtime/cluster/remote-task-manager.ts';
import {
  JOB_MANAGER_ID,
  readRpc,
  TASK_MANAGER_ROLE,
  type TaskManagerRegistration,
  type ToTaskManager,
} from '../../src/runtime/cluster/rpc-protocol.ts';
import {
  closeProcessLogging,
  configureProcessLogging,
  processLogFile,
} from '../../src/runtime/logging/process-logging.ts';
import { connectFrames, type FrameSocket, listenFrames } from '../../src/runtime/network/frame-socket.ts';
import { createRestApp } from '../../src/server/rest-server.ts';
import { FakeDispatcher } from './fake-dispatcher.ts';

const dir = mkdtempSync(join(tmpdir(), 'weir-log-routes-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** A RemoteTaskManager over a real frame connection; `requests` receives what its TaskManager end reads. */
async function remoteTaskManager() {
  const secret = 'log-routes-secret-0123';
  let accepted!: (socket: FrameSocket) => void;
  const jmSide = new Promise<FrameSocket>((resolve) => (accepted = resolve));
  const server = await listenFrames(
    { id: JOB_MANAGER_ID, port: 0, secret, heartbeat: false },
    { connection: (socket) => accepted(socket), refused: () => {} },
  );
  const tmSide = await connectFrames({
    host: '127.0.0.1',
    port: server.address().port,
    id: 'tm-silent',
    role: TASK_MANAGER_ROLE,
    expectPeerId: JOB_MANAGER_ID,
    secret,
    heartbeat: false,
  });
  const requests: ToTaskManager[] = [];
  let received: (() => void) | undefined;
  tmSide.handle({
    frame: (_type, body) => {
      requests.push(readRpc<ToTaskManager>(body));
      received?.();
    },
    close: () => {},
  });
  const socket = await jmSide;
  const registration = {
    id: 'tm-silent',
    dataHost: '127.0.0.1',
    dataPort: 1,
    slots: 1,
    slotHeapMb: 64,
    pid: 1,
    hostname: 'here',
    version: '0',
  } as TaskManagerRegistration;
  const tm = new RemoteTaskManager(registration, socket);
  const nextRequest = () => new Promise<void>((resolve) => (received = resolve));
  const close = async () => {
    tmSide.destroy();
    socket.destroy();
    await server.close();
  };
  return { tm, requests, nextRequest, close };
}

describe('log routes', () => {
  it('answer 404 LOG_NOT_FOUND where the process writes no log file, and an empty list', async () => {
    const app = createRestApp({
      dispatcher: new FakeDispatcher(),
      ui: false,
      logs: { file: () => undefined },
    });
    const log = await app.inject({ method: 'GET', url: '/jobmanager/log' });
    assert.equal(log.statusCode, 404);
    assert.equal(log.json().code, 'LOG_NOT_FOUND');
    assert.match(log.json().message, /--log-file/);
    const list = await app.inject({ method: 'GET', url: '/jobmanager/logs' });
    assert.deepEqual(list.json(), { logs: [] });
    await app.close();
  });

  it("serve the process's own file as text, the last lines asked for", async () => {
    configureProcessLogging({ role: 'jobmanager', file: join(dir, 'jm.log') });
    for (let i = 0; i < 30; i++) processLogger().info(`line ${i}`);
    const app = createRestApp({
      dispatcher: new FakeDispatcher(),
      ui: false,
      logs: { file: processLogFile },
    });
    const log = await app.inject({ method: 'GET', url: '/jobmanager/log?lines=2' });
    await closeProcessLogging();
    await app.close();
    assert.equal(log.statusCode, 200, log.body);
    assert.match(String(log.headers['content-type']), /^text\/plain/);
    assert.deepEqual(
      log.body
        .trimEnd()
        .split('\n')
        .map((l) => JSON.parse(l).msg),
      ['line 28', 'line 29'],
    );
  });

  it('answer 504 TIMEOUT when a TaskManager does not send its log in time, 503 when it is lost', async () => {
    const remote = await remoteTaskManager();
    try {
      const app = createRestApp({
        dispatcher: new FakeDispatcher(),
        ui: false,
        logs: {
          file: () => undefined,
          taskManagerLog: (id, lines) => (id === remote.tm.id ? remote.tm.logTail(lines, 300) : undefined),
        },
      });
      const asked = remote.nextRequest();
      const timedOut = await app.inject({ method: 'GET', url: '/taskmanagers/tm-silent/log?lines=7' });
      await asked;
      assert.deepEqual(remote.requests[0], { kind: 'log-tail', request: 1, lines: 7 });
      assert.equal(timedOut.statusCode, 504, timedOut.body);
      assert.equal(timedOut.json().code, 'TIMEOUT');
      assert.match(timedOut.json().message, /did not send its log within 300 ms/);

      const waiting = app.inject({ method: 'GET', url: '/taskmanagers/tm-silent/log' });
      await remote.nextRequest();
      remote.tm.lose(new WeirError('TASKMANAGER_LOST', 'TaskManager tm-silent was lost: test'));
      const lost = await waiting;
      assert.equal(lost.statusCode, 503, lost.body);
      assert.equal(lost.json().code, 'TASKMANAGER_LOST');
      await app.close();
    } finally {
      await remote.close();
    }
  });
});
