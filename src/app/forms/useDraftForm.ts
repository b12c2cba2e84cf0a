import { onBeforeUnmount, onMounted, ref, watch, type Ref } from 'vue'
import { useI18n } from 'vue-i18n'
import type { z } from 'zod'
import { fieldErrors, type FieldErrors, type Locale } from '@/domain'
import { repos, ReportLockedError, StorageFullError, ValidationError } from '@/app/db'
import { onFlushDrafts } from './flush'

export type FormNotice = 'storageFull' | 'draftFallback' | 'invalid' | 'locked' | 'unexpected'

export interface DraftFormOptions<F extends object, Out, Saved> {
  /** One key per form instance: `visit:new`, `visit:<id>` … */
  draftKey: string
  /** The fields of a fresh form, or of the record being edited. */
  initial: () => F | Promise<F>
  /** Validates the fields; its messages come from the domain, in the user's language. */
  schema: z.ZodType<Out>
  save: (fields: Out) => Promise<Saved>
  /** How long typing must pause before the draft is written. */
  debounceMs?: number
}

/**
 * The state of a form that never loses what was typed: the fields autosave as a draft while the leader
 * types (and at once when the page is hidden or closed), come back after a reload or a crash, are
 * validated against the domain schema with messages next to each field, and are kept on any failure to
 * save. The draft is removed only after the record itself is safely stored.
 */
export function useDraftForm<F extends object, Out, Saved>(options: DraftFormOptions<F, Out, Saved>) {
  const { locale } = useI18n()
  const fields = ref() as Ref<F | undefined>
  const errors = ref<FieldErrors>({})
  const notice = ref<FormNotice | null>(null)
  const restored = ref(false)
  const saving = ref(false)
  let attempted = false
  let timer: ReturnType<typeof setTimeout> | undefined
  let saved = false
  /** Set while discard() resets the fields, so that the reset is not saved back as a draft. */
  let resetting = false

  const snapshot = () => JSON.parse(JSON.stringify(fields.value)) as F

  async function writeDraft() {
    clearTimeout(timer)
    timer = undefined
    if (!fields.value || saved) return
    try {
      const where = await repos.drafts.save(options.draftKey, snapshot())
      notice.value = where === 'fallback' ? 'draftFallback' : notice.value === 'draftFallback' ? null : notice.value
    } catch (error) {
      console.error('draft not saved', error)
    }
  }

  function validate(): Out | null {
    const result = options.schema.safeParse(fields.value)
    errors.value = result.success ? {} : fieldErrors(result.error, locale.value as Locale)
    // The banner says some fields need fixing: once none does, it has nothing left to say.
    if (result.success && notice.value === 'invalid') notice.value = null
    return result.success ? result.data : null
  }

  /** Validates and saves; answers the saved record, or null with `errors` / `notice` telling why not. */
  async function submit(): Promise<Saved | null> {
    attempted = true
    const valid = validate()
    if (!valid) {
      notice.value = 'invalid'
      return null
    }
    saving.value = true
    try {
      const record = await options.save(valid)
      saved = true
      clearTimeout(timer)
      notice.value = null
      await repos.drafts.remove(options.draftKey)
      return record
    } catch (error) {
      if (error instanceof StorageFullError) notice.value = 'storageFull'
      else if (error instanceof ReportLockedError) notice.value = 'locked'
      else if (error instanceof ValidationError) {
        errors.value = fieldErrors(error.zodError, locale.value as Locale)
        notice.value = 'invalid'
      } else {
        console.error('save failed', error)
        notice.value = 'unexpected'
      }
      await writeDraft()
      return null
    } finally {
      saving.value = false
    }
  }

  /** Throws the draft away and starts again from the initial fields. */
  async function discard() {
    clearTimeout(timer)
    await repos.drafts.remove(options.draftKey)
    resetting = true
    fields.value = await options.initial()
    restored.value = false
    errors.value = {}
    attempted = false
  }

  const flush = () => {
    if (timer) void writeDraft()
  }
  const onVisibility = () => {
    if (document.visibilityState === 'hidden') flush()
  }
  // An accepted update or another tab's database upgrade reloads the page: they wait for this first.
  const stopFlushing = onFlushDrafts(() => (timer ? writeDraft() : Promise.resolve()))

  onMounted(async () => {
    const draft = await repos.drafts.load(options.draftKey)
    if (draft) {
      fields.value = { ...(await options.initial()), ...(draft.data as F) }
      restored.value = true
    } else {
      fields.value = await options.initial()
    }
    watch(
      fields,
      () => {
        if (resetting) {
          resetting = false
          return
        }
        // A form that stays open after saving (a checklist) has unsaved changes again: keep drafting them.
        saved = false
        if (attempted) validate()
        clearTimeout(timer)
        timer = setTimeout(writeDraft, options.debounceMs ?? 300)
      },
      { deep: true },
    )
    addEventListener('pagehide', flush)
    document.addEventListener('visibilitychange', onVisibility)
  })

  onBeforeUnmount(() => {
    flush()
    stopFlushing()
    removeEventListener('pagehide', flush)
    document.removeEventListener('visibilitychange', onVisibility)
  })

  return { fields, errors, notice, restored, saving, submit, discard, validate }
}
