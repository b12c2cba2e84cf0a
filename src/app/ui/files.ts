/** Saves a downloaded file under its name through an object URL: the file is behind the token, so a plain link cannot fetch it. */
export function saveFile({ file, name }: { file: Blob; name: string }): void {
  const url = URL.createObjectURL(file)
  const link = Object.assign(document.createElement('a'), { href: url, download: name })
  link.click()
  setTimeout(() => URL.revokeObjectURL(url), 1000)
}

/**
 * The file an `<input type="file">` was just given, read whole, or null when none was; the input is emptied, so
 * that picking the same file again later still fires `change`.
 */
export async function pickedFile(event: Event): Promise<{ name: string; bytes: ArrayBuffer } | null> {
  const input = event.target as HTMLInputElement
  const chosen = input.files?.[0]
  if (!chosen) return null
  const file = { name: chosen.name, bytes: await chosen.arrayBuffer() }
  input.value = ''
  return file
}
