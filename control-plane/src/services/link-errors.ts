/** The answers to a mailed link that cannot be used, one stable code each; nothing changes. */
import { ApiError } from '../errors.js';

export function linkError(status: 'unknown' | 'expired' | 'used', what: string): ApiError {
  switch (status) {
    case 'unknown':
      return new ApiError('CUTLINE_LINK_INVALID', `This ${what} link is not valid; ask for a new one.`, [
        { field: 'token', message: 'is not valid' },
      ]);
    case 'expired':
      return new ApiError('CUTLINE_LINK_EXPIRED', `This ${what} link has expired; ask for a new one.`, [
        { field: 'token', message: 'has expired' },
      ]);
    case 'used':
      return new ApiError('CUTLINE_LINK_USED', `This ${what} link was already used; ask for a new one.`, [
        { field: 'token', message: 'was already used' },
      ]);
  }
}
