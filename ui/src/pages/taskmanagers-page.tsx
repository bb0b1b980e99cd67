/** The TaskManagers: address, slots, heartbeat, CPU and memory. */
import type { OverviewEvent, TaskManagerMemory } from '../api/types.ts';
import { formatBytes, formatDuration } from '../format.ts';
import { href } from '../hooks/use-route.ts';

export function TaskManagersPage({ data }: { data: OverviewEvent | undefined }) {
  if (data === undefined) return <p>Loading…</p>;
  return (
    <>
      <h1>TaskManagers</h1>
      <div class="table-scroll">
        <table class="taskmanagers-table">
          <caption>{data.taskmanagers.length} registered TaskManagers</caption>
          <thead>
            <tr>
              <th scope="col">ID</th>
              <th scope="col">Address</th>
              <th scope="col">Slots (free / total)</th>
              <th scope="col">Last heartbeat</th>
              <th scope="col">CPU cores</th>
              <th scope="col">Heap (used / total)</th>
              <th scope="col">RSS</th>
              <th scope="col">Physical memory (free / total)</th>
              <th scope="col">Log</th>
            </tr>
          </thead>
          <tbody>
            {data.taskmanagers.map((tm) => {
              const m: TaskManagerMemory = { ...tm.hardware, ...tm.memory };
              return (
                <tr key={tm.id}>
                  <th scope="row">
                    <code>{tm.id}</code>
                  </th>
                  <td>
                    {tm.address}
                    {tm.dataPort > 0 ? `:${tm.dataPort}` : ''}
                  </td>
                  <td>
                    {tm.freeSlots} / {tm.slotsNumber}
                  </td>
                  <td>{formatDuration(tm.timeSinceLastHeartbeat)} ago</td>
                  <td>{m.cpuCores ?? '–'}</td>
                  <td>
                    {formatBytes(m.heapUsed)} / {formatBytes(m.heapTotal)}
                  </td>
                  <td>{formatBytes(m.rss)}</td>
                  <td>
                    {formatBytes(m.freeMemory)} / {formatBytes(m.physicalMemory)}
                  </td>
                  <td>
                    <a href={href('logs', tm.id)} aria-label={`Log of TaskManager ${tm.id}`}>
                      Log
                    </a>
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
    </>
  );
}
