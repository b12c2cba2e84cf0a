/** One feature's messages in both languages; English must have every key Chinese has. */
export function defineMessages<T extends object>(messages: { 'zh-CN': T; en: NoInfer<T> }) {
  return messages
}
