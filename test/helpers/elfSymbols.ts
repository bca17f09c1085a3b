/**
 * The exported dynamic symbols of a shared object, read from its ELF `.dynsym` / `.dynstr`
 * sections (64- and 32-bit, either byte order). Non-ELF files (Mach-O, PE prebuilds of other
 * platforms) return null: the caller falls back to a byte search for the registration names.
 */
import { readFileSync } from 'node:fs'

export function elfExportedSymbols(path: string): string[] | null {
  const b = readFileSync(path)
  if (b.length < 64 || b.readUInt32BE(0) !== 0x7f454c46) return null
  const is64 = b[4] === 2
  const le = b[5] === 1
  const u16 = (o: number) => (le ? b.readUInt16LE(o) : b.readUInt16BE(o))
  const u32 = (o: number) => (le ? b.readUInt32LE(o) : b.readUInt32BE(o))
  const addr = (o: number) => (is64 ? Number(le ? b.readBigUInt64LE(o) : b.readBigUInt64BE(o)) : u32(o))
  const shoff = addr(is64 ? 0x28 : 0x20)
  const shentsize = u16(is64 ? 0x3a : 0x2e)
  const shnum = u16(is64 ? 0x3c : 0x30)
  const sections = Array.from({ length: shnum }, (_, i) => {
    const o = shoff + i * shentsize
    return {
      type: u32(o + 4),
      offset: addr(o + (is64 ? 0x18 : 0x10)),
      size: addr(o + (is64 ? 0x20 : 0x14)),
      link: u32(o + (is64 ? 0x28 : 0x18)),
      entsize: addr(o + (is64 ? 0x38 : 0x24)),
    }
  })
  const SHT_DYNSYM = 11
  const dynsym = sections.find((s) => s.type === SHT_DYNSYM)
  if (!dynsym) return []
  const strtab = sections[dynsym.link]!
  const names: string[] = []
  const entsize = dynsym.entsize || (is64 ? 24 : 16)
  for (let o = dynsym.offset; o + entsize <= dynsym.offset + dynsym.size; o += entsize) {
    const nameOff = u32(o)
    const shndx = u16(o + (is64 ? 6 : 14))
    if (nameOff === 0 || shndx === 0) continue // undefined: imported, not exported
    const start = strtab.offset + nameOff
    const end = b.indexOf(0, start)
    names.push(b.toString('latin1', start, end))
  }
  return names
}

/** 'node-api', 'v8-abi' (needs a rebuild per Node/Electron ABI), or 'unknown'. */
export function addonKind(path: string): 'node-api' | 'v8-abi' | 'unknown' {
  const symbols = elfExportedSymbols(path)
  const has = (re: RegExp) => (symbols ? symbols.some((s) => re.test(s)) : re.test(readFileSync(path).toString('latin1')))
  if (has(/node_register_module_v\d+/)) return 'v8-abi'
  if (has(/napi_register_module_v1/)) return 'node-api'
  return 'unknown'
}
