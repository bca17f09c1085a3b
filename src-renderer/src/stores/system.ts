import { defineStore } from 'pinia'
import { ref, shallowRef } from 'vue'
import type { DatasetInfo, Result } from '@contract'
import { useApi, type ConnectionState } from '@renderer/api'

export type SystemInfo = Result<'system.info'>

export const useSystemStore = defineStore('system', () => {
  const api = useApi()
  const info = shallowRef<SystemInfo | null>(null)
  const datasets = shallowRef<DatasetInfo[]>([])
  const error = ref<string | null>(null)
  const connection = ref<ConnectionState>(api.connectionState)

  async function load(): Promise<void> {
    try {
      const [nextInfo, nextDatasets] = await Promise.all([api.call('system.info', {}), api.call('datasets.list', {})])
      info.value = nextInfo
      datasets.value = nextDatasets
      error.value = null
    } catch (err) {
      error.value = err instanceof Error ? err.message : String(err)
    }
  }

  api.onEvent((event) => {
    // The trainer worker may settle on a backend only after the first run starts.
    if (event.type === 'system:backend' && info.value) info.value = { ...info.value, ...event.info }
  })
  api.onConnectionChange((state) => (connection.value = state))
  api.onReconnect(() => void load())

  return { info, datasets, error, connection, host: api.host.kind, load }
})
