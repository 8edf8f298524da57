//! The portable diesel schema, kept by hand for both backends (see `migrations/`).
//! Types are the ones both MySQL and SQLite map identically.

diesel::table! {
    categories (category_id) {
        category_id -> Integer,
        category_name -> Text,
    }
}

diesel::table! {
    brands (brand_id) {
        brand_id -> Integer,
        brand_name -> Text,
    }
}

diesel::table! {
    products (product_id) {
        product_id -> Integer,
        product_name -> Text,
        brand_id -> Integer,
        category_id -> Integer,
        model_year -> Integer,
        list_price_cents -> BigInt,
        barcode -> Nullable<Text>,
    }
}

diesel::table! {
    stores (store_id) {
        store_id -> Integer,
        store_name -> Text,
        phone -> Nullable<Text>,
        email -> Nullable<Text>,
        street -> Nullable<Text>,
        city -> Nullable<Text>,
        state -> Nullable<Text>,
        zip_code -> Nullable<Text>,
        time_zone -> Nullable<Text>,
    }
}

diesel::table! {
    staffs (staff_id) {
        staff_id -> Integer,
        first_name -> Text,
        last_name -> Text,
        email -> Text,
        phone -> Nullable<Text>,
        active -> Bool,
        store_id -> Integer,
        manager_id -> Nullable<Integer>,
    }
}

diesel::table! {
    stocks (store_id, product_id) {
        store_id -> Integer,
        product_id -> Integer,
        quantity -> Integer,
    }
}

diesel::table! {
    customers (customer_id) {
        customer_id -> Integer,
        first_name -> Text,
        last_name -> Text,
        phone -> Nullable<Text>,
        email -> Text,
        street -> Nullable<Text>,
        city -> Nullable<Text>,
        state -> Nullable<Text>,
        zip_code -> Nullable<Text>,
    }
}

diesel::table! {
    orders (order_id) {
        order_id -> Integer,
        customer_id -> Nullable<Integer>,
        order_status -> SmallInt,
        order_date -> Date,
        required_date -> Date,
        shipped_date -> Nullable<Date>,
        store_id -> Integer,
        staff_id -> Integer,
    }
}

diesel::table! {
    order_items (order_id, item_id) {
        order_id -> Integer,
        item_id -> Integer,
        product_id -> Integer,
        quantity -> Integer,
        list_price_cents -> BigInt,
        discount_bp -> Integer,
    }
}

diesel::table! {
    users (user_id) {
        user_id -> Integer,
        username -> Text,
        password_hash -> Text,
        role -> Text,
        staff_id -> Nullable<Integer>,
        active -> Bool,
        failed_attempts -> Integer,
        locked_until -> Nullable<BigInt>,
        must_change_password -> Bool,
        password_changed_at -> BigInt,
        last_login_at -> Nullable<BigInt>,
        totp_enabled -> Bool,
        totp_secret_enc -> Nullable<Text>,
        totp_last_step -> Nullable<BigInt>,
        created_at -> BigInt,
    }
}

diesel::table! {
    backup_codes (backup_code_id) {
        backup_code_id -> Integer,
        user_id -> Integer,
        code_hash -> Text,
        created_at -> BigInt,
        used_at -> Nullable<BigInt>,
    }
}

diesel::table! {
    sessions (session_id) {
        session_id -> Integer,
        user_id -> Integer,
        terminal -> Text,
        started_at -> BigInt,
        last_seen_at -> BigInt,
        ended_at -> Nullable<BigInt>,
        end_reason -> Nullable<Text>,
    }
}

diesel::table! {
    audit_events (audit_event_id) {
        audit_event_id -> Integer,
        at -> BigInt,
        actor -> Text,
        terminal -> Text,
        event -> Text,
        details -> Text,
    }
}

diesel::table! {
    import_runs (import_run_id) {
        import_run_id -> Integer,
        actor -> Text,
        source -> Text,
        started_at -> BigInt,
        finished_at -> BigInt,
        duration_ms -> BigInt,
        rows_read -> BigInt,
        rows_inserted -> BigInt,
        rows_updated -> BigInt,
        rows_unchanged -> BigInt,
        rows_rejected -> BigInt,
        outcome -> Text,
        message -> Text,
        rejects_file -> Nullable<Text>,
    }
}

diesel::table! {
    guards (name) {
        name -> Text,
        version -> BigInt,
    }
}

diesel::table! {
    store_keys (name) {
        name -> Text,
        key_hex -> Text,
        created_at -> BigInt,
    }
}

diesel::table! {
    stock_moves (move_id) {
        move_id -> Integer,
        store_id -> Integer,
        product_id -> Integer,
        quantity -> Integer,
        reason -> Text,
        reference -> Nullable<Text>,
        note -> Nullable<Text>,
        actor -> Text,
        at -> BigInt,
    }
}

diesel::table! {
    chain_settings (name) {
        name -> Text,
        value -> Text,
    }
}

diesel::table! {
    day_closes (close_id) {
        close_id -> Integer,
        store_id -> Integer,
        business_day -> Date,
        number -> Integer,
        float_cents -> BigInt,
        counted_cents -> BigInt,
        expected_cents -> BigInt,
        closed_at -> BigInt,
        actor -> Text,
    }
}

diesel::table! {
    order_returns (return_id) {
        return_id -> Integer,
        order_id -> Integer,
        store_id -> Integer,
        return_date -> Date,
        refund_cents -> BigInt,
        tender -> Text,
        restocked -> Bool,
        at -> BigInt,
        actor -> Text,
    }
}

diesel::table! {
    return_lines (return_id, item_id) {
        return_id -> Integer,
        item_id -> Integer,
        order_id -> Integer,
        product_id -> Integer,
        quantity -> Integer,
        refund_cents -> BigInt,
    }
}

diesel::table! {
    payments (payment_id) {
        payment_id -> Integer,
        order_id -> Integer,
        return_id -> Nullable<Integer>,
        store_id -> Integer,
        tender -> Text,
        amount_cents -> BigInt,
        tendered_cents -> BigInt,
        close_id -> Nullable<Integer>,
        at -> BigInt,
        actor -> Text,
    }
}

diesel::joinable!(products -> brands (brand_id));
diesel::joinable!(products -> categories (category_id));
diesel::joinable!(staffs -> stores (store_id));
diesel::joinable!(stocks -> stores (store_id));
diesel::joinable!(stocks -> products (product_id));
diesel::joinable!(orders -> customers (customer_id));
diesel::joinable!(orders -> stores (store_id));
diesel::joinable!(orders -> staffs (staff_id));
diesel::joinable!(order_items -> orders (order_id));
diesel::joinable!(order_items -> products (product_id));
diesel::joinable!(users -> staffs (staff_id));
diesel::joinable!(backup_codes -> users (user_id));
diesel::joinable!(sessions -> users (user_id));
diesel::joinable!(stock_moves -> stores (store_id));
diesel::joinable!(stock_moves -> products (product_id));

diesel::allow_tables_to_appear_in_same_query!(
    categories,
    brands,
    products,
    stores,
    staffs,
    stocks,
    customers,
    orders,
    order_items,
    users,
    backup_codes,
    sessions,
    audit_events,
    import_runs,
    stock_moves,
    guards,
    chain_settings,
    day_closes,
    order_returns,
    return_lines,
    payments,
);

/// The ten store tables in foreign-key order (parents first).
pub const STORE_TABLES: [&str; 10] = [
    "categories",
    "brands",
    "products",
    "stores",
    "staffs",
    "stocks",
    "customers",
    "orders",
    "order_items",
    "users",
];
